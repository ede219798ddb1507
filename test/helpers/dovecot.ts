/**
 * A throwaway Dovecot IMAP server for tests: its own config file, base/state/log directories and
 * maildir under one temp dir, plain IMAP (no TLS) on 127.0.0.1 and a free port, one user in a
 * passwd-file. Works as root (CI: mail and internal users are root with first_valid_uid = 0, the
 * login process runs as the package's dovenull when it exists) and as an ordinary user (every
 * process runs as that user). `restart()` stops and starts it on the same port and maildir (the
 * reconnect test). Needs the dovecot binary (Debian: dovecot-imapd); `dovecotBinary` is null without.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';

const CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot', '/usr/bin/dovecot'];
/** The dovecot binary, or null (tests skip). */
export const dovecotBinary: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

/** Whether something answers an IMAP greeting on the port. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    let buf = '';
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.on('data', (d) => { buf += d.toString(); if (buf.includes('* OK')) done(true); });
    s.connect(port, '127.0.0.1');
  });
}

export interface Dovecot {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  /** Stop and start again (same port, same maildir). */
  restart(): Promise<void>;
  /** Stop the server (kept stopped until start()). */
  stopServer(): Promise<void>;
  start(): Promise<void>;
  /** Stop and remove the temp dir. */
  stop(): Promise<void>;
}

export async function startDovecot(): Promise<Dovecot> {
  if (!dovecotBinary) throw new Error('dovecot not installed (apt-get install dovecot-imapd)');
  const dir = mkdtempSync(join(tmpdir(), 'hotline-dovecot-'));
  // As root, Dovecot's auth process runs as its own user (dovecot): it must reach the passwd-file.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'hotline';
  const password = 'secret96365';
  const me = userInfo();
  const root = me.uid === 0;
  const sys = root ? 'root' : me.username;
  const loginUser = root && userExists('dovenull') ? 'dovenull' : sys;
  const internalUser = root && userExists('dovecot') ? 'dovecot' : sys;
  for (const d of ['base', 'state', 'mail']) mkdirSync(join(dir, d), { recursive: true });
  // Dovecot never accesses mail as uid 0 ("userdb returned 0 as uid"): as root the mail belongs to
  // its own unprivileged user.
  const idOf = (flag: string, name: string) => Number(spawnSync('id', [flag, name]).stdout.toString().trim());
  const mailUid = root ? idOf('-u', userExists('dovecot') ? 'dovecot' : 'nobody') : me.uid;
  const mailGid = root ? idOf('-g', userExists('dovecot') ? 'dovecot' : 'nobody') : me.gid;
  if (root) chownSync(join(dir, 'mail'), mailUid, mailGid);
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}:${mailUid}:${mailGid}::${join(dir, 'mail')}::\n`);
  const conf = `
protocols = imap
listen = 127.0.0.1
base_dir = ${join(dir, 'base')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
info_log_path = ${join(dir, 'dovecot.log')}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_uid = ${mailUid}
mail_gid = ${mailGid}
default_internal_user = ${internalUser}
default_internal_group = ${root ? (userExists('dovecot') ? 'dovecot' : 'root') : sys}
default_login_user = ${loginUser}
mail_location = maildir:${join(dir, 'mail')}/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${join(dir, 'passwd')}
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${join(dir, 'mail')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Done {
    auto = create
  }
}
`;
  const confFile = join(dir, 'dovecot.conf');
  writeFileSync(confFile, conf);
  let child: ChildProcess | null = null;
  let stderr = '';

  async function start(): Promise<void> {
    stderr = '';
    const c = spawn(dovecotBinary!, ['-F', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d) => { stderr += d.toString(); });
    child = c;
    let exited = false;
    c.once('exit', () => { exited = true; });
    const end = Date.now() + 15_000;
    while (!(await greets(port))) {
      if (exited) throw new Error(`dovecot exited at start: ${stderr}${readLog()}`);
      if (Date.now() > end) throw new Error(`dovecot did not greet on ${port} within 15 s: ${stderr}${readLog()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  function readLog(): string {
    try { return spawnSync('tail', ['-20', join(dir, 'dovecot.log')]).stdout.toString(); } catch { return ''; }
  }
  async function stopServer(): Promise<void> {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      c.kill('SIGTERM');
    });
    // the master is gone; wait until its children closed the listener
    const end = Date.now() + 5000;
    while (await greets(port) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  }
  await start();
  return {
    host: '127.0.0.1', port, user, password, dir,
    start, stopServer,
    async restart() { await stopServer(); await start(); },
    async stop() { await stopServer(); rmSync(dir, { recursive: true, force: true }); },
  };
}
