// What the release costs: nothing, a lock release, or a full COM_RESET_CONNECTION (README, "State a borrower leaves behind").
import { createMysqlPool } from '../dist/index.js';
const base = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test', connectionLimit: 1 };
async function run(label, options, sql, n = 3000) {
  const pool = createMysqlPool({ ...base, ...options });
  for (let i = 0; i < 200; i++) await pool.query(sql, ['pool_mysql_measure_lock']);
  const t = performance.now();
  for (let i = 0; i < n; i++) await pool.query(sql, ['pool_mysql_measure_lock']);
  const us = ((performance.now() - t) * 1000) / n;
  await pool.end();
  return `${label}: ${us.toFixed(1)} us per call`;
}
for (let round = 0; round < 3; round++) {
  console.log(await run('SELECT 1, default reset        ', {}, 'SELECT 1'));
  console.log(await run('GET_LOCK, default reset (locks)', {}, 'SELECT GET_LOCK(?, 0)'));
  console.log(await run('GET_LOCK, resetSession: true   ', { resetSession: true }, 'SELECT GET_LOCK(?, 0)'));
  console.log(await run('SELECT 1, resetSession: true   ', { resetSession: true }, 'SELECT 1'));
}
