'use strict';
// The Express side of the cross-stack tests: express-session over the store named by STORE, configured from the
// environment the .NET fixture sets. It prints "listening <port>" once it accepts connections.
const express = require('express');
const session = require('express-session');

const env = process.env;
const secrets = (env.SECRETS || 'keyboard cat').split(',');
const maxAge = env.MAX_AGE_MS ? Number(env.MAX_AGE_MS) : undefined;

async function createStore() {
  switch (env.STORE || 'redis') {
    case 'redis': {
      const { createClient } = require('redis');
      const { RedisStore } = require('connect-redis');
      const client = createClient({ url: env.REDIS_URL });
      client.on('error', (err) => console.error('redis client error', err));
      await client.connect();
      return new RedisStore({ client, prefix: env.PREFIX || 'sess:' });
    }
    case 'pg': {
      // node-postgres takes the server from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE.
      const PgStore = require('connect-pg-simple')(session);
      return new PgStore({ tableName: env.TABLE || 'session', pruneSessionInterval: false });
    }
    case 'file': {
      // No retries on a missing file (a new session would wait half a second) and no reaper during the tests.
      const FileStore = require('session-file-store')(session);
      return new FileStore({ path: env.FILE_PATH, retries: 0, reapInterval: -1, logFn: () => {} });
    }
    default:
      throw new Error('unknown STORE ' + env.STORE);
  }
}

async function main() {
  const app = express();
  app.use(express.json());
  app.use(session({
    secret: secrets,
    store: await createStore(),
    resave: false,
    saveUninitialized: false,
    rolling: env.ROLLING === 'true',
    cookie: maxAge === undefined ? {} : { maxAge },
  }));

  // The whole session as express-session sees it (its cookie included).
  app.get('/express/session', (req, res) => {
    res.json({ id: req.sessionID, session: req.session });
  });

  // Sets the JSON body's properties on the session.
  app.post('/express/set', (req, res) => {
    Object.assign(req.session, req.body);
    res.json({ id: req.sessionID });
  });

  app.post('/express/destroy', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ destroyed: true })));
  });

  const server = app.listen(Number(env.PORT || 0), '127.0.0.1', () => {
    console.log('listening ' + server.address().port);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
