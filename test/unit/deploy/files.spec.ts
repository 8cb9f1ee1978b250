/**
 * The deployment files, read and checked without docker (no engine runs here): each role's
 * Dockerfile (multi-stage, Node 20, non-root, health check, SIGTERM, tini, no secret in any layer,
 * configuration names the role knows), the compose file (MongoDB as a replica set, secrets as files,
 * every WORKTY_* name known to the role's schema, stop grace periods longer than each role's own
 * shutdown bound) and the systemd unit of boards without docker. What only an image build or a
 * running engine can show is listed in docker/README.md ("Verified here, and not").
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig, restapiSettings, supervisorSettings, variablesOf, workerSettings } from '../../../config/index.js';
import type { SettingsSpec } from '../../../config/index.js';
import { restApiStopBoundMs } from '../../../restapi/app.js';
import { projectRoot } from '../../../shared/paths.js';
import { workerStopBoundMs } from '../../../worker/app.js';
import { composeDurationMs, readCompose, readEnvFile, type ComposeService } from '../../lib/deploy/compose.js';
import { envOf, execForm, finalStage, instructionsOf, lastOf, readDockerfile, type Dockerfile } from '../../lib/deploy/dockerfile.js';
import { readUnitFile, unitEnvironment, unitTimeMs } from '../../lib/deploy/unit-file.js';
import { WORKER_NODE_FLAGS } from '../../../worker/node-flags.js';

const ROLES = { restapi: restapiSettings, supervisor: supervisorSettings, worker: workerSettings } as const;
type Role = keyof typeof ROLES;
const DOCKER = join(projectRoot, 'docker');
const ALL_VARIABLES = new Set(Object.values(ROLES).flatMap((spec: SettingsSpec) => variablesOf(spec)));
/** The variables of settings the schemas call secret (their `_FILE` forms hold a path, which is fine). */
const SECRET_VARIABLES = new Set(Object.values(ROLES).flatMap((spec: SettingsSpec) => Object.values(spec).filter((s) => s.secret).map((s) => s.env)));
/** Names that look like they hold a secret, whatever the schemas say. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN/;

function dockerfileOf(role: Role): Dockerfile {
  return readDockerfile(join(DOCKER, `${role}.Dockerfile`));
}

function worktyNames(text: string): string[] {
  return [...new Set(text.match(/WORKTY_[A-Z0-9_]+/g) ?? [])];
}

describe('deployment files', () => {
  describe('Dockerfiles', () => {
    for (const role of Object.keys(ROLES) as Role[]) {
      describe(`${role}.Dockerfile`, () => {
        const file = dockerfileOf(role);
        const image = finalStage(file);

        it('is multi-stage on Node 20: compiled on the build platform, the image from the slim base', () => {
          expect(file.stages.length).to.be.greaterThanOrEqual(2);
          for (const stage of file.stages) expect(stage.from).to.match(/^node:20(-|\.)[\w.-]*slim$/);
          const build = file.stages[0]!;
          expect(build.platform).to.equal('$BUILDPLATFORM');
          expect(instructionsOf(build, 'RUN').map((i) => i.args).join('\n')).to.contain('npx tsc -p .');
          expect(image.platform, 'the image is built for the target platform').to.equal(null);
          for (const copy of instructionsOf(image, 'COPY')) {
            const from = /--from=(\S+)/.exec(copy.args)?.[1];
            if (from !== undefined) expect(file.stages.map((s) => s.name), `COPY --from=${from}`).to.include(from);
          }
        });

        it('runs as a non-root user, under tini, stops on SIGTERM and checks its health with the role\'s own --check', () => {
          const user = lastOf(image, 'USER')?.args;
          expect(user).to.be.a('string');
          expect(user).not.to.match(/^(root|0)(:|$)/);
          expect(lastOf(image, 'STOPSIGNAL')?.args).to.equal('SIGTERM');
          expect(execForm(lastOf(image, 'ENTRYPOINT')!)).to.deep.equal(['/usr/bin/tini', '--']);
          expect(instructionsOf(image, 'RUN').map((i) => i.args).join('\n')).to.match(/apt-get install[^&]*\btini\b/);
          const command = execForm(lastOf(image, 'CMD')!);
          expect(command[0]).to.equal('node');
          expect(command[command.length - 1]).to.equal(`dist/${role}/main.js`);
          for (const flag of command.slice(1, -1)) expect(flag).to.match(/^--[a-z-]+(=\S+)?$/);
          if (role === 'worker') expect(command.slice(1, -1), 'worker/node-flags.ts').to.deep.equal(WORKER_NODE_FLAGS);
          const health = lastOf(image, 'HEALTHCHECK')!;
          expect(health.args).to.match(/--interval=\d+s/);
          expect(execForm(health)).to.deep.equal(['node', `dist/${role}/main.js`, '--check']);
        });

        it('bakes no secret into any layer and sets only variables the role knows', () => {
          const text = readFileSync(file.path, 'utf8');
          for (const stage of file.stages) {
            for (const name of Object.keys(envOf(stage))) {
              expect(name, `ENV ${name}`).not.to.match(SECRET_NAME);
              expect(SECRET_VARIABLES.has(name) || SECRET_VARIABLES.has(name.replace(/_FILE$/, '')), `ENV ${name}`).to.equal(false);
            }
            for (const arg of instructionsOf(stage, 'ARG')) expect(arg.args, `ARG ${arg.args}`).not.to.match(SECRET_NAME);
            for (const copy of instructionsOf(stage, 'COPY')) expect(copy.args).not.to.match(/secrets|\.env\b|\.pem\b/);
          }
          const known = new Set(variablesOf(ROLES[role]));
          for (const name of Object.keys(envOf(image)).filter((n) => n.startsWith('WORKTY_'))) expect(known, `${name} in ${role}.Dockerfile`).to.include(name);
          for (const name of worktyNames(text)) expect(ALL_VARIABLES, name).to.include(name);
        });
      });
    }

    it('servers: production dependencies built for the target platform; the worker: traced files only, nothing compiled', () => {
      for (const role of ['restapi', 'supervisor'] as const) {
        const file = dockerfileOf(role);
        const deps = file.stages.find((s) => s.name === 'deps')!;
        expect(deps.platform).to.equal(null);
        expect(instructionsOf(deps, 'RUN').map((i) => i.args).join('\n')).to.contain('npm ci --omit=dev');
        const copies = instructionsOf(finalStage(file), 'COPY').map((i) => i.args);
        expect(copies).to.include('--from=deps /src/node_modules ./node_modules');
        expect(copies).to.include(`--from=build /src/dist/${role} ./dist/${role}`);
      }
      const worker = dockerfileOf('worker');
      expect(instructionsOf(worker.stages[0]!, 'RUN').map((i) => i.args).join('\n')).to.contain('node dist/scripts/worker-files.js --out /out');
      const image = finalStage(worker);
      expect(instructionsOf(image, 'COPY').map((i) => i.args)).to.deep.equal(['--from=build /out/ ./']);
      const runs = instructionsOf(image, 'RUN').map((i) => i.args).join('\n');
      expect(runs).not.to.match(/\bnpm\b|g\+\+|\bmake\b/);
      expect(runs).to.match(/apt-get install[^&]*\bpython3\b/);
    });

    it('.dockerignore keeps a developer\'s modules, builds, data and secrets out of the build context', () => {
      const ignored = readFileSync(join(projectRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
      expect(ignored).to.include.members(['.git', 'node_modules', 'dist', 'data', 'docker/.env', 'docker/secrets', '**/*.pem']);
    });
  });

  describe('docker-compose.yml', () => {
    const example = readEnvFile(join(DOCKER, '.env.example'));
    const compose = readCompose(join(DOCKER, 'docker-compose.yml'), example);
    const service = (name: string): ComposeService => {
      const found = compose.services[name];
      if (found === undefined) throw new Error(`no service ${name}`);
      return found;
    };

    it('runs MongoDB, the supervisor, the REST API and one worker, each role from its own Dockerfile', () => {
      expect(Object.keys(compose.services).sort()).to.deep.equal(['mongodb', 'restapi', 'supervisor', 'worker']);
      for (const role of Object.keys(ROLES) as Role[]) {
        expect(service(role).build).to.deep.equal({ context: '..', dockerfile: `docker/${role}.Dockerfile` });
        expect(existsSync(join(DOCKER, service(role).build!.context, service(role).build!.dockerfile))).to.equal(true);
      }
    });

    it('gives each role only WORKTY_* names its configuration schema knows', () => {
      for (const role of Object.keys(ROLES) as Role[]) {
        const known = new Set(variablesOf(ROLES[role]));
        for (const name of Object.keys(service(role).environment ?? {})) expect(known, `${name} given to ${role}`).to.include(name);
      }
      for (const name of worktyNames(readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8'))) expect(ALL_VARIABLES, name).to.include(name);
      expect(worktyNames(readFileSync(join(DOCKER, '.env.example'), 'utf8')), '.env.example is for compose only').to.deep.equal([]);
    });

    it('takes every secret from a file the user writes (TLS, admin password, metrics token, device secret), never inline', () => {
      for (const role of Object.keys(ROLES) as Role[]) {
        const { environment = {}, secrets = [] } = service(role);
        for (const [name, value] of Object.entries(environment)) {
          // The MongoDB URL is a secret when it carries credentials; this one names none (checked below).
          if (SECRET_VARIABLES.has(name) && name !== 'WORKTY_MONGODB_URL') expect.fail(`${role}: ${name} is inline; use ${name}_FILE`);
          if (SECRET_NAME.test(name) && !name.endsWith('_FILE')) expect.fail(`${role}: ${name} looks like a secret given inline`);
          const secret = /^\/run\/secrets\/(\w+)$/.exec(value)?.[1];
          if (secret !== undefined) {
            expect(secrets, `${role} mounts ${secret}`).to.include(secret);
            expect(compose.secrets[secret]?.file, `secret ${secret}`).to.match(/^\.\/secrets\//);
          }
        }
      }
      expect(service('supervisor').environment).to.include({ WORKTY_ADMIN_PASSWORD_FILE: '/run/secrets/admin_password', WORKTY_TLS_KEY: '/run/secrets/tls_key' });
      expect(service('restapi').environment).to.include({ WORKTY_TLS_KEY: '/run/secrets/tls_key', WORKTY_METRICS_TOKEN_FILE: '/run/secrets/metrics_token' });
      expect(service('worker').environment).to.include({ WORKTY_DEVICE_SECRET_FILE: '/run/secrets/device_secret', WORKTY_SUPERVISOR_CA: '/run/secrets/tls_ca' });
      // The MongoDB URL names no credential: the database is reachable on the internal network only.
      expect(service('supervisor').environment!['WORKTY_MONGODB_URL']).not.to.contain('@');
    });

    it('runs MongoDB as a one-member replica set (transactions), initiated by its health check, on an internal network', () => {
      const mongodb = service('mongodb');
      expect(mongodb.command).to.include.members(['--replSet', 'rs0']);
      expect(mongodb.healthcheck?.test.join(' ')).to.contain('rs.initiate').and.contain('isWritablePrimary');
      expect(mongodb.ports).to.equal(undefined);
      for (const network of mongodb.networks ?? []) expect(compose.networks[network]?.internal, network).to.equal(true);
      for (const role of ['restapi', 'supervisor'] as const) {
        expect(service(role).environment!['WORKTY_MONGODB_URL']).to.match(/^mongodb:\/\/mongodb:27017\/\w+\?replicaSet=rs0$/);
        expect(service(role).depends_on).to.satisfy((d: Record<string, { condition: string }>) => Object.values(d).every((c) => c.condition === 'service_healthy'));
      }
    });

    it('gives each role longer to stop than its own shutdown bound, so nothing under way is cut', () => {
      // Secrets are not read here: the files exist only where compose mounts them.
      const envOfRole = (role: Role): NodeJS.ProcessEnv => Object.fromEntries(Object.entries({ ...envOf(finalStage(dockerfileOf(role))), ...service(role).environment })
        .filter(([name]) => !name.endsWith('_FILE')));
      const grace = (role: Role): number => composeDurationMs(service(role).stop_grace_period ?? '10s');
      expect(grace('restapi')).to.be.greaterThan(restApiStopBoundMs(loadConfig(restapiSettings, { env: envOfRole('restapi') })));
      expect(grace('supervisor')).to.be.greaterThan(loadConfig(supervisorSettings, { env: envOfRole('supervisor') }).supervisorShutdownForceMs);
      expect(grace('worker')).to.be.greaterThan(workerStopBoundMs(loadConfig(workerSettings, { env: envOfRole('worker') })));
    });

    it('keeps the worker\'s outbox on a volume and its status file on a tmpfs', () => {
      const env = { ...envOf(finalStage(dockerfileOf('worker'))), ...service('worker').environment };
      expect(service('worker').volumes).to.include(`worker-data:${env['WORKTY_WORKER_DIR']}`);
      expect((service('worker').tmpfs ?? []).map((t) => t.split(':')[0])).to.include(dirname(env['WORKTY_WORKER_STATUS_FILE']!));
    });

    it('needs no variable .env.example does not declare, and publishes only the REST API and the supervisor', () => {
      const text = readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8');
      for (const [, name] of text.matchAll(/\$\{(\w+)/g)) expect(example, `${name} in .env.example`).to.have.property(name!);
      expect(Object.entries(compose.services).filter(([, s]) => s.ports !== undefined).map(([name]) => name).sort()).to.deep.equal(['restapi', 'supervisor']);
    });
  });

  describe('systemd unit of a board without docker', () => {
    const unit = readUnitFile(join(DOCKER, 'systemd', 'workty-worker.service'));
    const service = unit['Service']!;
    const one = (key: string): string => {
      const values = service[key];
      if (values === undefined || values.length !== 1) throw new Error(`expected one ${key}=, got ${JSON.stringify(values)}`);
      return values[0]!;
    };

    it('runs the worker as a dedicated user, hardened, writing only to its own folder', () => {
      expect(one('User')).to.equal('workty');
      expect(one('NoNewPrivileges')).to.equal('yes');
      expect(one('ProtectSystem')).to.equal('strict');
      expect(one('ProtectHome')).to.equal('yes');
      expect(one('PrivateTmp')).to.equal('yes');
      const env = unitEnvironment(service);
      expect(one('ReadWritePaths').split(/\s+/)).to.include(env['WORKTY_WORKER_DIR']);
      expect(env['WORKTY_WORKER_DIR']).to.equal(`/var/lib/${one('StateDirectory')}`);
      expect(dirname(env['WORKTY_WORKER_STATUS_FILE']!)).to.equal(`/run/${one('RuntimeDirectory')}`);
      for (const name of Object.keys(env).filter((n) => n.startsWith('WORKTY_'))) expect(variablesOf(workerSettings)).to.include(name);
      expect(one('ExecStart')).to.equal(['/usr/bin/env', 'node', ...WORKER_NODE_FLAGS, 'dist/worker/main.js'].join(' '));
      expect(one('EnvironmentFile')).to.equal('/etc/workty/worker.env');
    });

    it('restarts on failure but not on a configuration error, and lets the worker finish its shutdown', () => {
      expect(one('Restart')).to.equal('on-failure');
      expect(one('RestartPreventExitStatus')).to.equal('2');
      expect(one('KillSignal')).to.equal('SIGTERM');
      // SIGTERM to the worker only: its tasks get their grace period, then are stopped by the worker.
      expect(one('KillMode')).to.equal('mixed');
      const config = loadConfig(workerSettings, { env: unitEnvironment(service) });
      expect(unitTimeMs(one('TimeoutStopSec'))).to.be.greaterThan(workerStopBoundMs(config));
      expect(unit['Install']?.['WantedBy']).to.deep.equal(['multi-user.target']);
    });
  });
});
