import mysql from 'mysql2/promise';
import { serviceUrl } from '@pool/testkit';

/** The test server's URL (POOL_MYSQL_URL or mysql://root@127.0.0.1:3306/test). */
export const url = serviceUrl('mysql');

/** The test server's connection options, aimed at another host/port (the fault proxy) when given. */
export function connectionOptions(target?: { host: string; port: number }): mysql.ConnectionOptions {
  const parsed = new URL(url);
  return {
    host: target?.host ?? parsed.hostname,
    port: target?.port ?? (parsed.port === '' ? 3306 : Number(parsed.port)),
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.replace(/^\//, '') || 'test',
  };
}

/** A plain mysql2 connection outside any pool, for KILL and checks from the server's side. */
export function adminConnection(): Promise<mysql.Connection> {
  return mysql.createConnection(connectionOptions());
}

/** Kills a connection from the server side (what a restart or `wait_timeout` does to it). */
export async function kill(admin: mysql.Connection, threadId: number): Promise<void> {
  await admin.query('KILL ?', [threadId]);
}

/** True while the server still lists the connection. */
export async function serverHas(admin: mysql.Connection, threadId: number): Promise<boolean> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [threadId]);
  return rows.length > 0;
}

/**
 * Resolves once the server is running a statement that starts with `prefix` on connection `threadId`
 * (PROCESSLIST), so a fault injected next lands mid-query; throws after `timeoutMs`.
 */
export async function waitForStatement(admin: mysql.Connection, threadId: number, prefix: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE ?', [threadId, `${prefix}%`]);
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error(`connection ${threadId} is not running "${prefix}..." after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
