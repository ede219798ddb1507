/** An operator seat's SIP endpoint as Asterisk names it: technology/resource, e.g. PJSIP/8001. */
const ENDPOINT = /^(PJSIP|SIP|IAX2|Local)\/[A-Za-z0-9_.@+-]{1,64}$/;

export function isSeatEndpoint(s: string): boolean {
  return ENDPOINT.test(s);
}
