import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureInstalled } from '../cache';
import { asComponentError } from '../errors';
import { execLogged } from '../exec';
import { kafkaReady } from '../kafka/probe';
import { newClusterId, renderLog4jProperties, renderServerProperties } from '../kafka/properties';
import { reapStale, startProcess } from '../process';
import { waitUntil } from '../wait';
import type { Running, StartContext } from './types';

/**
 * Kafka 3.9 (KRaft, single node) from Maven Central: a small pom in the cache and
 * `mvn dependency:copy-dependencies` put the broker and its runtime jars in `<cache>/kafka/libs`; the broker runs as
 * `java -cp '<libs>/*' kafka.Kafka server.properties`. Kafka 4 dropped protocol versions kafkajs still uses.
 */

export const KAFKA_VERSION = '3.9.1';
const SCALA = '2.13';
const SLF4J_BINDING = { artifact: 'slf4j-reload4j', version: '1.7.36' };

export function kafkaPom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>hourglass</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${SCALA}</artifactId><version>${KAFKA_VERSION}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>${SLF4J_BINDING.artifact}</artifactId><version>${SLF4J_BINDING.version}</version></dependency>
</dependencies></project>
`;
}

/** The jars that prove the libs directory holds this exact version. */
const MARKER_JARS = [`kafka_${SCALA}-${KAFKA_VERSION}.jar`, `${SLF4J_BINDING.artifact}-${SLF4J_BINDING.version}.jar`];

/** Returns the directory of the broker's jars, downloading them with Maven on first use. */
export function installKafka(cache: string): Promise<string> {
  const home = path.join(cache, 'kafka');
  const libs = path.join(home, 'libs');
  return ensureInstalled(cache, {
    component: 'kafka',
    description: `Kafka ${KAFKA_VERSION} (Maven)`,
    find: () => (MARKER_JARS.every((jar) => existsSync(path.join(libs, jar))) ? libs : undefined),
    install: async (log) => {
      mkdirSync(home, { recursive: true });
      writeFileSync(path.join(home, 'pom.xml'), kafkaPom());
      // Download next to the final directory, then swap: a failed or older download never mixes jar versions.
      const staging = path.join(home, 'libs.partial');
      rmSync(staging, { recursive: true, force: true });
      await execLogged('kafka', 'mvn', ['-q', '-B', '-f', path.join(home, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'], {
        cwd: home,
        logFile: log,
        timeoutMs: 20 * 60_000,
        what: 'downloading the Kafka jars (mvn dependency:copy-dependencies)',
      });
      rmSync(libs, { recursive: true, force: true });
      renameSync(staging, libs);
    },
  });
}

export interface KafkaOptions {
  libs: string;
  /** Broker state: log dirs, generated properties. */
  dataDir: string;
  port: number;
  controllerPort: number;
  heap?: string;
}

export interface RunningKafka extends Running {
  /** host:port, for KAFKA_BROKERS. */
  brokers: string;
}

function javaArgs(o: KafkaOptions, log4j: string, mainClass: string, args: string[]): string[] {
  return [
    `-Xmx${o.heap ?? '512m'}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4j}`,
    '-cp',
    `${o.libs}${path.sep}*`,
    mainClass,
    ...args,
  ];
}

export async function startKafka(o: KafkaOptions, ctx: StartContext): Promise<RunningKafka> {
  const logFile = path.join(ctx.logDir, 'kafka.log');
  const pidFile = path.join(ctx.runDir, 'kafka.pid');
  await reapStale(pidFile);
  const logDir = path.join(o.dataDir, 'data');
  mkdirSync(logDir, { recursive: true });
  const serverProps = path.join(o.dataDir, 'server.properties');
  const log4j = path.join(o.dataDir, 'log4j.properties');
  writeFileSync(serverProps, renderServerProperties({ host: ctx.host, port: o.port, controllerPort: o.controllerPort, logDir }));
  writeFileSync(log4j, renderLog4jProperties(logFile));

  if (!existsSync(path.join(logDir, 'meta.properties'))) {
    if (readdirSync(logDir).length > 0) rmSync(logDir, { recursive: true, force: true }); // half-formatted
    mkdirSync(logDir, { recursive: true });
    await execLogged('kafka', 'java', javaArgs({ ...o, heap: '256m' }, log4j, 'kafka.tools.StorageTool', ['format', '--ignore-formatted', '-t', newClusterId(), '-c', serverProps]), {
      logFile,
      timeoutMs: 120_000,
      what: 'formatting the storage (kafka.tools.StorageTool format)',
    });
  }

  const proc = startProcess({
    name: 'kafka',
    command: 'java',
    args: javaArgs(o, log4j, 'kafka.Kafka', [serverProps]),
    logFile,
    stopTimeoutMs: 20_000,
    pidFile,
  });
  const brokers = `${ctx.host}:${o.port}`;
  try {
    await waitUntil('kafka', 'ready', () => kafkaReady(ctx.host, o.port), { timeoutMs: 90_000, intervalMs: 300, process: proc, signal: ctx.signal });
  } catch (e) {
    await proc.stop();
    throw asComponentError('kafka', e, logFile);
  }
  return { name: 'kafka', logFile, process: proc, stop: proc.stop, brokers };
}
