/**
 * What the SMS channel needs of the built-in SMSC simulator: where it listens and the credentials to
 * bind with. The demo wiring (src/demo/simulators.ts) starts it when no SMSC is configured; the channel
 * never starts or imports a simulator.
 */
export interface SimulatedSmsc {
  readonly port: number;
  readonly credentials: { readonly systemId: string; readonly password: string };
}
