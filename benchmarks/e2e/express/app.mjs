// The Express side of benchmarks/e2e: the routes run.sh drives on samples/SessionDemo, doing the same work per route,
// over express-session with connect-redis, connect-pg-simple or session-file-store at their usual settings
// (resave: false and saveUninitialized: false, as their READMEs advise; a 20-minute cookie like the sample's idle timeout).
//   GET /             read-modify-write: the views counter + 1 (express-session stores it before the response ends)
//   GET /get-session  read-only: prints the session's values (express-session then calls the store's touch)
//   GET /set-session?key=&value=   seeds a session
//   GET /bench/counts the successful GET / responses per session cookie (the lost-update check)
// Usage: node app.mjs --store redis|postgres|file --connection <redis url | pg connection string | directory> --port N
import express from 'express';
import session from 'express-session';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const idleSeconds = 20 * 60;
const cookieName = 'connect.sid';

async function createStore(kind, connection) {
  switch (kind) {
    case 'redis': {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: connection });
      client.on('error', (err) => console.error('redis client error', err));
      await client.connect();
      return new RedisStore({ client, ttl: idleSeconds });
    }
    case 'postgres': {
      const pg = (await import('pg')).default;
      const pgSession = (await import('connect-pg-simple')).default(session);
      const pool = new pg.Pool({ connectionString: connection });
      return new pgSession({ pool, createTableIfMissing: true, ttl: idleSeconds });
    }
    case 'file': {
      const fileStore = (await import('session-file-store')).default(session);
      return new fileStore({ path: connection, ttl: idleSeconds, logFn: (message) => console.error(message) });
    }
    default:
      throw new Error(`--store must be redis, postgres or file, not '${kind}'`);
  }
}

function sessionCookie(req) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookieName) return decodeURIComponent(value.join('='));
  }
  return null;
}

const counts = new Map();
const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/bench/counts', (req, res) => {
  res.type('text/plain').send([...counts].map(([cookie, n]) => `${cookie} ${n}\n`).join(''));
});
// Installed before express-session, so express-session's own res.end wrapper (which saves a changed session, then ends
// the response) calls this one after the save: a GET / is counted once its increment is stored, as the sample counts
// after its commit, not when the response has reached a client that wrk may already have hung up on.
app.use('/', (req, res, next) => {
  const cookie = req.path === '/' && req.method === 'GET' ? sessionCookie(req) : null;
  if (cookie !== null) {
    const end = res.end;
    res.end = function countedEnd(...args) {
      if (res.statusCode === 200) counts.set(cookie, (counts.get(cookie) ?? 0) + 1);
      return end.apply(this, args);
    };
  }
  next();
});
app.use(session({
  name: cookieName,
  secret: 'sessionstores-e2e-benchmark',
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: idleSeconds * 1000, httpOnly: true, sameSite: 'lax' },
  store: await createStore(args.store, args.connection),
}));

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.type('text/plain').send(`views: ${req.session.views}\n`);
});

app.get('/set-session', (req, res) => {
  const key = String(req.query.key ?? 'message');
  if (key === 'views' || key === 'cookie') return res.status(400).type('text/plain').send(`The key '${key}' is managed by the demo.\n`);
  req.session[key] = String(req.query.value ?? 'hello');
  res.type('text/plain').send(`set ${key}\n`);
});

app.get('/get-session', (req, res) => {
  const lines = Object.entries(req.session).filter(([key]) => key !== 'cookie').map(([key, value]) => `${key}=${value}\n`);
  res.type('text/plain').send(lines.length === 0 ? '(empty session)\n' : lines.join(''));
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).type('text/plain').send('server error\n');
});

const port = Number(args.port ?? 5091);
app.listen(port, '127.0.0.1', () => console.log(`express on 127.0.0.1:${port} (${args.store})`));
