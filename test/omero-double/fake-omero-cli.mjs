#!/usr/bin/env node
/**
 * A fake `omero` command line (omero-py + the Java importer) for tests, talking to the OMERO
 * server of fake-omero-web.ts at `-s HOST -p PORT`. It understands the two commands the
 * importer adapter runs:
 *
 *   omero import [-s H -p P] (-k KEY | [--sudo ADMIN] -u USER [-w PASSWORD] [-g GROUP])
 *                (-d DATASET | -r SCREEN) [--transfer=T] [--skip S] [--output yaml|ids]
 *                [--file OUT] [--errs ERR] [-c] PATH
 *   omero sessions -s H -p P -k KEY group GROUP
 *
 * and answers the way docs/omero.md and omero-py say: login messages and failures on its own stderr
 * (omero-py exits with its die() code modulo 256), the importer's log and `==> Summary` on
 * --errs, ids on --file. Without -w the password comes from OMERO_PASSWORD, as in omero-py.
 * With -k, an unreachable server is reported as "Bad session key", as omero-py does.
 *
 * Scenario: taken from the name it is invoked by, `omero-<scenario>` (a symlink to this file),
 * else from a file `fake-omero-scenario` beside that path (so that a running app's importer
 * can be switched, whose environment passes no FAKE_* variable), else from FAKE_OMERO_SCENARIO,
 * else "normal":
 *   normal          the OMERO server decides: success, expired key, no permission, target not found,
 *                   refused connection (server stopped), wrong sudo password
 *   no-imports      "No imports due to errors!" (an I/O error on the file), exit 0, no ids
 *   fileset-errors  a fileset failed under -c: ids written, "1 errors" in the summary, exit 0
 *   exit2           an import failure, exit 2
 *   exit3           imported, but the source could not be removed (cleanup failure), exit 3
 *   unreadable      Bio-Formats cannot read the file (UnknownFormatException), "No imports due to
 *                   errors!", exit 0
 *   unsupported     "No imports found" and the usage text, exit 1
 *   hang            starts a child (as omero-py starts Java) that ignores SIGTERM, then both
 *                   wait forever
 *
 * Every invocation appends a JSON line to `fake-omero-calls.jsonl` beside the path it was
 * invoked by: argv (password values replaced by ***), pid, scenario, OMERO_SESSIONDIR and
 * whether OMERO_PASSWORD was set, and the whole environment it was given (`env`, OMERO_PASSWORD
 * replaced by ***); "hang" adds a line with the child's pid.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const invokedAs = process.argv[1];
const scenarioFile = join(dirname(invokedAs), 'fake-omero-scenario');
const scenario =
  /^omero-(.+)$/.exec(basename(invokedAs))?.[1] ??
  (existsSync(scenarioFile) ? readFileSync(scenarioFile, 'utf8').trim() : undefined) ??
  process.env.FAKE_OMERO_SCENARIO ??
  'normal';
const recordFile = join(dirname(invokedAs), 'fake-omero-calls.jsonl');
const WITH_VALUE = new Set([
  '-s',
  '-p',
  '-k',
  '-u',
  '-w',
  '-g',
  '-d',
  '-r',
  '-T',
  '--sudo',
  '--transfer',
  '--output',
  '--file',
  '--errs',
  '--skip',
  '--server',
  '--port',
  '--key',
  '--user',
  '--password',
  '--group',
]);
const FLAGS = new Set(['-c', '-f']);
const SECRET = new Set(['-w', '--password']);

const argv = process.argv.slice(2);
record({
  argv: redact(argv),
  pid: process.pid,
  scenario,
  sessionDir: process.env.OMERO_SESSIONDIR ?? null,
  passwordFromEnv: Boolean(process.env.OMERO_PASSWORD),
  env: { ...process.env, ...(process.env.OMERO_PASSWORD ? { OMERO_PASSWORD: '***' } : {}) },
});

const [command, ...rest] = argv;
const { options, positional } = parse(rest);
if (command === 'import') await importCommand();
else if (command === 'sessions') await sessionsCommand();
else die(2, `omero: error: invalid choice: '${command}'`);

async function importCommand() {
  if (scenario === 'hang') return hang();
  const session = await login();
  const java = { out: '', err: javaPreamble() };
  const path = positional[0];
  if (positional.length !== 1 || !existsSync(path) || scenario === 'unsupported') {
    java.err += 'No imports found\n\n Usage:  importer-cli [OPTION]... [path [path ...]]...\n';
    return finish(java, 1);
  }
  if (scenario === 'unreadable')
    return noImports(java, path, 'loci.formats.UnknownFormatException: Unknown file format: ' + path);
  if (scenario === 'no-imports') return noImports(java, path, `java.io.IOException: Input/output error: ${path}`);
  if (scenario === 'exit2') {
    java.err += logLine(
      'ERROR',
      'IMPORT_EXCEPTION',
      `ome.conditions.InternalException: Failed to write pixels for ${path}`,
    );
    return finish(java, 2, summary(0, 1));
  }
  const targetType = options['-d'] ? 'Dataset' : options['-r'] ? 'Screen' : null;
  if (!targetType) die(2, 'omero import: a target (-d or -r) is required by this fake');
  const reply = await blitz('/import', {
    key: session.key,
    targetType,
    targetId: options['-d'] ?? options['-r'],
    fileName: basename(path),
    transfer: options['--transfer'] ?? 'upload',
  });
  if (!reply) {
    java.err += logLine('ERROR', 'IMPORT_EXCEPTION', 'Ice.ConnectionLostException: recv() returned zero');
    return finish(java, 2, summary(0, 1));
  }
  if (reply.status !== 200) {
    const exception = reply.status === 403 ? 'omero.SecurityViolation' : 'omero.ValidationException';
    java.err += logLine('ERROR', 'IMPORT_EXCEPTION', `${exception}\n    message = ${reply.body.message}`);
    return finish(java, 2, summary(0, 1));
  }
  java.out = output(reply.body);
  const images = reply.body.imageIds.length;
  if (scenario === 'fileset-errors') {
    java.err += logLine('ERROR', 'IMPORT_STEP', 'Failed to generate thumbnails for fileset ' + reply.body.filesetId);
    return finish(java, 0, summary(images, 1));
  }
  if (scenario === 'exit3') {
    java.err += 'ERROR ome.formats.importer.cli.CommandLineImporter - Failed to cleanup 1 files\n';
    return finish(java, 3, summary(images, 0));
  }
  // upload_rm deletes the source only after a successful import; ln_s and upload never touch it.
  if (options['--transfer'] === 'upload_rm') unlinkSync(path);
  return finish(java, 0, summary(images, 0));
}

async function sessionsCommand() {
  const [sub, target] = positional;
  if (sub !== 'group') die(2, `omero sessions: this fake knows only "group", not "${sub}"`);
  const session = await login();
  if (target === undefined) {
    process.stdout.write(`ExperimenterGroup:${session.groupId}\n`);
    process.exit(0);
  }
  const reply = await blitz('/session/group', { key: session.key, group: target });
  if (!reply) die(564, 'SecurityViolation: the server went away');
  if (reply.status !== 200) die(564, `SecurityViolation: ${reply.body.message}`);
  const { before, after } = reply.body;
  if (before.groupId === after.groupId) {
    process.stderr.write(`Group '${after.groupName}' (id=${after.groupId}) is already active\n`);
  } else {
    process.stdout.write(
      `Group '${before.groupName}' (id=${before.groupId}) switched to '${after.groupName}' (id=${after.groupId})\n`,
    );
  }
  process.exit(0);
}

/** omero-py's sessions login: -k joins, otherwise a new session (as ADMIN for USER with --sudo). */
async function login() {
  const server = `${options['-s']}:${options['-p'] ?? 4064}`;
  if (options['-k']) {
    if (options['-g']) process.stderr.write('Ignoring group since session key set\n');
    const reply = await blitz('/session/join', { key: options['-k'] });
    if (!reply || reply.status !== 200) die(523, `Bad session key. Cannot join ${options['-k']} on ${server}.`);
    process.stderr.write(
      `Joined session for ${reply.body.userName}@${server}. Idle timeout: 10 min. Current group: ${reply.body.groupName}\n`,
    );
    return reply.body;
  }
  const user = options['-u'];
  const password = options['-w'] ?? process.env.OMERO_PASSWORD;
  if (!user) die(564, 'stdin is not a terminal: cannot request username');
  if (!password) die(564, 'stdin is not a terminal: cannot request password');
  const reply = await blitz('/session/create', {
    admin: options['--sudo'] ?? user,
    password,
    user,
    group: options['-g'],
  });
  if (!reply) die(554, `Ice.ConnectionRefusedException: ${server} isn't running`);
  if (reply.status === 403 && reply.body.kind === 'password') {
    process.stderr.write(`${reply.body.message}\n`);
    die(564, 'stdin is not a terminal: cannot request password');
  }
  if (reply.status !== 200) die(557, `SecurityViolation: ${reply.body.message}`);
  storeSession(reply.body);
  process.stderr.write(
    `Created session for ${reply.body.userName}@${server}. Idle timeout: 10 min. Current group: ${reply.body.groupName}\n`,
  );
  return reply.body;
}

/** Like omero-py's SessionsStore: a file per session under OMERO_SESSIONDIR (or ~/omero/sessions). */
function storeSession(session) {
  const base = process.env.OMERO_SESSIONDIR ?? join(process.env.HOME ?? '/tmp', 'omero', 'sessions');
  const folder = join(base, options['-s'], session.userName);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, session.key), `omero.host=${options['-s']}\nomero.user=${session.userName}\n`);
}

function hang() {
  const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  record({ event: 'hanging', pid: process.pid, childPid: child.pid });
  setInterval(() => {}, 1000);
}

function noImports(java, path, cause) {
  java.err += logLine(
    'ERROR',
    'FILE_EXCEPTION',
    `${path}\n${cause}\n\tat loci.formats.ImageReader.getReader(ImageReader.java:205)`,
  );
  java.err += 'No imports due to errors!\n';
  return finish(java, 0);
}

function output({ filesetId, imageIds, plateIds }) {
  if (options['--output'] === 'yaml') {
    const lines = ['---', `- Fileset: ${filesetId}`];
    if (plateIds.length > 0) lines.push(`  Plate: [${plateIds.join(', ')}]`);
    lines.push(`  Image: [${imageIds.join(', ')}]`);
    return lines.join('\n') + '\n';
  }
  return (plateIds.length > 0 ? `Plate:${plateIds.join(',')}\n` : '') + `Image:${imageIds.join(',')}\n`;
}

function summary(images, errors) {
  const files = errors > 0 && images === 0 ? 0 : 1;
  return `==> Summary\n${files} file uploaded, ${files} fileset created, ${images} image${images === 1 ? '' : 's'} imported, ${errors} errors in 00:00:00.217\n`;
}

function javaPreamble() {
  return [
    logLine(
      'INFO',
      'ome.formats.OMEROMetadataStoreClient',
      `Attempting initial SSL connection to ${options['-s']}:${options['-p']}`,
    ),
    logLine('INFO', 'ome.formats.OMEROMetadataStoreClient', 'Server: 5.6.9'),
  ].join('');
}

function logLine(level, source, message) {
  return `2024-05-02 10:00:00,000 1200       [      main] ${level.padEnd(5)} ${source} - ${message}\n`;
}

/** Writes what Java printed to --file / --errs (or stdout / stderr), then exits. */
function finish(java, code, summaryText = '') {
  const err = java.err + summaryText;
  if (options['--file']) writeFileSync(options['--file'], java.out);
  else process.stdout.write(java.out);
  if (options['--errs']) writeFileSync(options['--errs'], err);
  else process.stderr.write(err);
  process.exit(code);
}

async function blitz(path, body) {
  try {
    const response = await fetch(`http://${options['-s']}:${options['-p'] ?? 4064}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  } catch {
    return null;
  }
}

/** omero-py's ctx.die(): the message on stderr, the code as sys.exit() passes it to the OS. */
function die(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code % 256);
}

function parse(args) {
  const parsed = { options: {}, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const inline = /^(--[\w-]+)=(.*)$/.exec(arg);
    if (inline && WITH_VALUE.has(inline[1])) parsed.options[normalise(inline[1])] = inline[2];
    else if (WITH_VALUE.has(arg)) {
      if (i + 1 >= args.length) die(2, `omero: error: argument ${arg}: expected one argument`);
      parsed.options[normalise(arg)] = args[++i];
    } else if (FLAGS.has(arg)) parsed.options[arg] = true;
    else if (arg.startsWith('-')) die(2, `omero: error: unrecognized arguments: ${arg}`);
    else parsed.positional.push(arg);
  }
  return parsed;
}

function normalise(option) {
  const long = { '--server': '-s', '--port': '-p', '--key': '-k', '--user': '-u', '--password': '-w', '--group': '-g' };
  return long[option] ?? option;
}

function redact(args) {
  return args.map((arg, i) => {
    if (i > 0 && SECRET.has(args[i - 1])) return '***';
    const inline = /^(--password)=/.exec(arg);
    return inline ? `${inline[1]}=***` : arg;
  });
}

function record(entry) {
  appendFileSync(recordFile, JSON.stringify(entry) + '\n');
}
