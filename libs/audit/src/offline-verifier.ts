import { KeyObject, createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { canonicalJson } from '@govflow/domain';
import { GENESIS_HASH_HEX, chainHash } from '@govflow/event-store';
import { checkpointPayload } from './checkpoint';
import { StreamHead, merkleRoot } from './merkle';
import { EXPORT_FORMAT, ExportDigest, sealPayload } from './seal';

export interface OfflineFailure {
  line: number;
  streamId?: string;
  version?: number;
  reason: string;
}

export interface OfflineReport {
  ok: boolean;
  events: number;
  streams: number;
  checkpoints: number;
  /** The seal verified: the file is, line for line, what the server exported. */
  sealed: boolean;
  /** Events under the last checkpoint checked against the whole file (0 when none could be). */
  signedEvents: number;
  /** The export covers the whole history (no from, no to). */
  whole: boolean;
  failures: OfflineFailure[];
  /** What the file cannot prove (a partial export, events after the last checkpoint), in Spanish / English. */
  notes: string[];
}

/** Spanish first, then English: what the CLI prints. */
const say = (es: string, en: string) => `${es} / ${en}`;

const HEX64 = /^[0-9a-f]{64}$/;
const DIGITS = /^\d{1,15}$/;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isText = (s: unknown): s is string => typeof s === 'string' && s.length > 0;

/** One stream as read so far: hashes and positions by version. */
interface StreamSeen {
  last: number;
  lastHash: string;
  hashes: string[];
  positions: number[];
}

/** A field that makes a record unreadable, or undefined when it is well formed. */
function badEvent(r: any): string | undefined {
  if (!isText(r.streamId)) return 'streamId';
  if (!Number.isSafeInteger(r.version) || r.version < 1) return 'version';
  if (typeof r.position !== 'string' || !DIGITS.test(r.position)) return 'position';
  if (typeof r.prevHash !== 'string' || !HEX64.test(r.prevHash)) return 'prevHash';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return 'hash';
  if (!isText(r.type)) return 'type';
  if (!isText(r.recordedAt)) return 'recordedAt';
  return undefined;
}

function badCheckpoint(r: any): string | undefined {
  if (!isText(r.id)) return 'id';
  if (typeof r.merkleRoot !== 'string' || !HEX64.test(r.merkleRoot)) return 'merkleRoot';
  if (!isCount(r.streams)) return 'streams';
  if (!isCount(r.events)) return 'events';
  if (typeof r.lastPosition !== 'string' || !DIGITS.test(r.lastPosition)) return 'lastPosition';
  if (!isText(r.createdAt) || Number.isNaN(Date.parse(r.createdAt))) return 'createdAt';
  if (!isText(r.signature)) return 'signature';
  if (!Array.isArray(r.heads)) return 'heads';
  for (const h of r.heads) {
    if (!h || !isText(h.streamId) || !Number.isSafeInteger(h.version) || h.version < 1 || typeof h.hash !== 'string' || !HEX64.test(h.hash)) return 'heads';
  }
  return undefined;
}

function badSeal(r: any): string | undefined {
  if (!isText(r.format)) return 'format';
  if (!isCount(r.lines)) return 'lines';
  if (typeof r.digest !== 'string' || !HEX64.test(r.digest)) return 'digest';
  if (!isText(r.exportedAt)) return 'exportedAt';
  if (!isText(r.signature)) return 'signature';
  return undefined;
}

const signatureHolds = (payload: object, signature: string, key: KeyObject): boolean => {
  try {
    return verifySignature(null, Buffer.from(canonicalJson(payload), 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
};

/** What an export held, kept to compare a later one with it (verify --previous). */
interface Kept {
  events: Map<string, Map<number, { hash: string; position: number }>>;
  checkpoints: Map<string, string>;
}

/** Short id of a public key: the first 16 hex characters of the SHA-256 of its SPKI DER (as the server's keyId). */
const keyIdOf = (key: KeyObject): string => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);

/**
 * Verifies an audit export with nothing but the file and the public key.
 *
 * - The file's shape: the header first, then the events in rising global position, then the
 *   checkpoints, then the seal, last. Nothing may move across those parts.
 * - Every event's hash recomputed from its content, and each linked to the one before in its
 *   stream; an export from the beginning of the history must start every stream at version 1.
 * - Every checkpoint: its signature, its Merkle root recomputed from the heads it lists, the
 *   order of the checkpoints, and, when the export holds everything it signed, each signed head
 *   present with the signed hash (the chains then vouch for every version before it). Events no
 *   checkpoint covers (recorded after the last one, or committed after it was signed although
 *   their position is lower: positions are taken before commit) are counted in a note. The
 *   global order (positions) is not signed.
 * - The seal: its signature and key, and the SHA-256 and count of every line before it, so that
 *   any line changed, dropped, added or moved after the export shows, including the events after
 *   the last checkpoint and the header's range.
 * - With `previous`, an export verified before (sealed by the same key): every event it held is
 *   here with the same hash and position, and every checkpoint with the same signature.
 *
 * Throws only when the key cannot be read. Memory grows with the events (a hash and a position
 * each), not with the size of their content.
 */
export async function verifyExportFile(file: string, publicKeyPem: string, options: { previous?: string } = {}, kept?: Kept): Promise<OfflineReport> {
  const key = createPublicKey(publicKeyPem);
  const ownKeyId = keyIdOf(key);
  const signatures = new Map<string, string>(); // checkpoint id -> signature, as this file has them
  const streams = new Map<string, StreamSeen>();
  let lastPosition = 0;
  const failures: OfflineFailure[] = [];
  const notes: string[] = [];
  const digest = new ExportDigest();
  let header: { from: string | null; to: string | null; format: string; exportedAt: string } | undefined;
  let part: 'header' | 'events' | 'checkpoints' | 'after seal' = 'header';
  let events = 0;
  let checkpoints = 0;
  let sealed = false;
  let sealSeen = false;
  let signedEvents = 0;
  let partlyChecked = 0;
  let previousCheckpoint: { createdAt: number; lastPosition: number; events: number } | undefined;
  let line = 0;

  const fail = (reason: string, streamId?: string, version?: number) => failures.push({ line, streamId, version, reason });

  /** A record whose content cannot even be hashed (a field of an impossible type) is a failure, never a crash. */
  const guarded = (check: () => void) => {
    try {
      check();
    } catch (error) {
      fail(say(`registro ilegible: ${(error as Error).message}`, `unreadable record: ${(error as Error).message}`));
    }
  };

  const onEvent = (r: any) => {
    const bad = badEvent(r);
    if (bad) return fail(say(`evento mal formado (${bad})`, `malformed event (${bad})`));
    events++;
    const { streamId, version } = r;
    const position = Number(r.position);
    const fromStart = header?.from === null;
    if (position <= lastPosition) {
      fail(say(`fuera del orden global (posición ${position} después de ${lastPosition})`, `out of global order (position ${position} after ${lastPosition})`), streamId, version);
    } else lastPosition = position;
    if (kept) {
      if (!kept.events.has(streamId)) kept.events.set(streamId, new Map());
      kept.events.get(streamId)!.set(version, { hash: r.hash, position });
    }
    if (chainHash(r.prevHash, r) !== r.hash) fail(say('contenido alterado', 'altered content'), streamId, version);
    const seen = streams.get(streamId);
    if (!seen) {
      if (version === 1 && r.prevHash !== GENESIS_HASH_HEX) fail(say('enlace roto', 'broken link'), streamId, version);
      if (version > 1 && fromStart) {
        const missing = version === 2 ? { es: 'falta la versión 1', en: 'version 1 is missing' } : { es: `faltan las versiones 1 a ${version - 1}`, en: `versions 1 to ${version - 1} are missing` };
        fail(say(`el flujo empieza en la versión ${version}: ${missing.es}`, `the stream starts at version ${version}: ${missing.en}`), streamId, version);
      }
      const created: StreamSeen = { last: version, lastHash: r.hash, hashes: [], positions: [] };
      created.hashes[version] = r.hash;
      created.positions[version] = position;
      streams.set(streamId, created);
      return;
    }
    if (version <= seen.last) {
      return fail(say(`versión ${version} repetida o fuera de orden (ya se leyó la ${seen.last})`, `version ${version} repeated or out of order (version ${seen.last} was already read)`), streamId, version);
    }
    if (version > seen.last + 1) {
      const gap = version - 1 > seen.last + 1 ? `${seen.last + 1}-${version - 1}` : `${seen.last + 1}`;
      fail(say(`falta la versión ${gap}`, `missing version ${gap}`), streamId, version);
    } else if (r.prevHash !== seen.lastHash) {
      fail(say('enlace roto', 'broken link'), streamId, version);
    }
    seen.last = version;
    seen.lastHash = r.hash;
    seen.hashes[version] = r.hash;
    seen.positions[version] = position;
  };

  const onCheckpoint = (r: any) => {
    const bad = badCheckpoint(r);
    if (bad) return fail(say(`punto de control mal formado (${bad})`, `malformed checkpoint (${bad})`));
    checkpoints++;
    signatures.set(r.id, r.signature);
    kept?.checkpoints.set(r.id, r.signature);
    const name = `${say('punto de control', 'checkpoint')} ${r.id}`;
    if (!signatureHolds(checkpointPayload(r), r.signature, key)) return fail(`${name}: ${say('la firma no verifica', 'signature does not verify')}`);
    const heads = r.heads as StreamHead[];
    if (merkleRoot(heads) !== r.merkleRoot) return fail(`${name}: ${say('las cabezas no dan la raíz de Merkle firmada', 'heads do not match the signed Merkle root')}`);
    const createdAt = Date.parse(r.createdAt);
    const signedPosition = Number(r.lastPosition);
    if (heads.length !== r.streams || heads.reduce((sum, h) => sum + h.version, 0) !== r.events) {
      fail(`${name}: ${say('sus cabezas no suman los flujos y eventos firmados', 'its heads do not add up to the signed streams and events')}`);
    }
    if (previousCheckpoint && (createdAt < previousCheckpoint.createdAt || signedPosition < previousCheckpoint.lastPosition || r.events < previousCheckpoint.events)) {
      fail(`${name}: ${say('anterior al punto de control que lo precede en el archivo', 'earlier than the checkpoint before it in the file')}`);
    }
    previousCheckpoint = { createdAt, lastPosition: signedPosition, events: r.events };
    // Everything it signed is in the file when the export starts at the beginning and ends after it.
    const whole = header?.from === null && (header.to === null || createdAt <= Date.parse(header.to));
    const before = failures.length;
    for (const head of heads) {
      const seen = streams.get(head.streamId);
      const hash = seen?.hashes[head.version];
      if (hash === undefined) {
        if (whole) fail(`${name}: ${say('falta la versión firmada', 'signed version is missing')}`, head.streamId, head.version);
        continue;
      }
      if (hash !== head.hash) {
        fail(`${name}: ${say('firmó otro hash', 'signed a different hash')}`, head.streamId, head.version);
        continue;
      }
    }
    if (!whole) {
      partlyChecked++;
      return;
    }
    if (failures.length === before) signedEvents = r.events;
  };

  const onSeal = (r: any) => {
    sealSeen = true;
    const bad = badSeal(r);
    if (bad) return fail(say(`sello mal formado (${bad})`, `malformed seal (${bad})`));
    const payload = sealPayload(r);
    const extra = Object.keys(r).filter((k) => k !== 'signature' && !(k in payload));
    if (extra.length > 0) return fail(say(`el sello tiene campos que no firmó (${extra.join(', ')})`, `the seal carries fields it did not sign (${extra.join(', ')})`));
    if (r.keyId !== ownKeyId) {
      return fail(say(`la exportación la selló otra clave (${String(r.keyId)}), no la indicada (${ownKeyId})`, `the export was sealed by another key (${String(r.keyId)}), not the one given (${ownKeyId})`));
    }
    if (!signatureHolds(payload, r.signature, key)) return fail(say('la firma del sello no verifica', 'the seal signature does not verify'));
    if (r.lines !== digest.lines) {
      return fail(say(`el sello no corresponde: selló ${r.lines} líneas y le preceden ${digest.lines}`, `the seal does not match: it sealed ${r.lines} lines and ${digest.lines} come before it`));
    }
    if (r.digest !== digest.hex()) {
      return fail(say(`el sello no corresponde: el contenido de las ${r.lines} líneas anteriores no es el sellado`, `the seal does not match: the ${r.lines} lines before it are not what was sealed`));
    }
    if (!header || header.from !== r.from || header.to !== r.to || header.exportedAt !== r.exportedAt || header.format !== r.format) {
      return fail(say('la cabecera no es la sellada', 'the header is not the sealed one'));
    }
    sealed = true;
  };

  try {
    for await (const raw of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      if (part === 'after seal') {
        fail(say('hay líneas después del sello', 'there are lines after the seal'));
        break;
      }
      let record: any;
      try {
        record = JSON.parse(text);
      } catch {
        digest.add(text);
        fail(say('no es JSON válido', 'not valid JSON'));
        continue;
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        digest.add(text);
        fail(say('no es un registro (objeto JSON)', 'not a record (JSON object)'));
        continue;
      }
      if (record.kind === 'seal') {
        guarded(() => onSeal(record));
        part = 'after seal';
        continue;
      }
      digest.add(text);
      if (record.kind === 'export') {
        if (part !== 'header') fail(say('cabecera fuera de la primera línea', 'a header past the first line'));
        else if (record.format !== EXPORT_FORMAT) fail(say(`formato ${String(record.format)} desconocido (se espera ${EXPORT_FORMAT})`, `unknown format ${String(record.format)} (expected ${EXPORT_FORMAT})`));
        else {
          const range = (v: unknown) => (v === null || (typeof v === 'string' && !Number.isNaN(Date.parse(v))) ? v : undefined);
          const from = range(record.from);
          const to = range(record.to);
          if (from === undefined || to === undefined || !isText(record.exportedAt)) fail(say('cabecera mal formada', 'malformed header'));
          else header = { from: from as string | null, to: to as string | null, format: record.format, exportedAt: record.exportedAt };
        }
        part = 'events';
        continue;
      }
      if (part === 'header') {
        fail(say('la exportación no empieza con su cabecera', 'the export does not start with its header'));
        part = 'events';
      }
      if (record.kind === 'event') {
        if (part === 'checkpoints') fail(say('evento después de los puntos de control', 'an event after the checkpoints'), record.streamId, record.version);
        guarded(() => onEvent(record));
      } else if (record.kind === 'checkpoint') {
        part = 'checkpoints';
        guarded(() => onCheckpoint(record));
      } else {
        fail(say(`tipo de registro desconocido ${String(record.kind)}`, `unknown record kind ${String(record.kind)}`));
      }
    }
  } catch (error) {
    fail(say(`no se pudo leer el archivo: ${(error as Error).message}`, `the file could not be read: ${(error as Error).message}`));
  }
  if (!sealSeen) {
    line++;
    fail(say('sin sello: la exportación está incompleta o fue alterada', 'no seal: the export is cut short or was altered'));
  }
  // An export verified before: every checkpoint it held must still be here, unchanged. A
  // database rewritten, its later checkpoints deleted and signed again, shows here.
  if (options.previous) {
    const keptBefore: Kept = { events: new Map(), checkpoints: new Map() };
    const earlier = await verifyExportFile(options.previous, publicKeyPem, {}, keptBefore);
    const whole = header?.from === null && header.to === null;
    if (!earlier.ok || !earlier.sealed) {
      failures.push({ line, reason: say(`la exportación anterior no verifica (${earlier.failures.length} fallas): no sirve de referencia`, `the earlier export does not verify (${earlier.failures.length} failures): it cannot serve as a reference`) });
    } else if (!earlier.whole || !whole) {
      failures.push({ line, reason: say('--previous compara dos exportaciones completas (sin from ni to)', '--previous compares two whole exports (no from, no to)') });
    } else {
      let compared = 0;
      const differ = (reason: string, streamId?: string, version?: number) => failures.push({ line, streamId, version, reason });
      for (const [streamId, versions] of keptBefore.events) {
        const seen = streams.get(streamId);
        for (const [version, before] of versions) {
          compared++;
          if (seen?.hashes[version] !== before.hash) differ(say('la exportación anterior tenía este evento y aquí falta o cambió', 'the earlier export held this event; here it is gone or changed'), streamId, version);
          else if (seen.positions[version] !== before.position) differ(say(`cambió de lugar en el orden global (posición ${before.position} antes, ${seen.positions[version]} ahora)`, `it moved in the global order (position ${before.position} before, ${seen.positions[version]} now)`), streamId, version);
        }
      }
      for (const [id, signature] of keptBefore.checkpoints) {
        if (signatures.get(id) !== signature) differ(say(`el punto de control ${id} de la exportación anterior ya no está o cambió`, `checkpoint ${id} of the earlier export is gone or changed`));
      }
      notes.push(say(`comparada con la exportación anterior: ${compared} eventos y ${keptBefore.checkpoints.size} puntos de control`, `compared with the earlier export: ${compared} events and ${keptBefore.checkpoints.size} checkpoints`));
    }
  }
  if (header && (header.from !== null || header.to !== null)) {
    notes.push(
      say(
        'exportación parcial: no se comprueba lo que queda fuera de su rango (el enlace del primer evento de cada flujo, los puntos de control posteriores)',
        'partial export: what lies outside its range cannot be checked (the first event of each stream, later checkpoints)',
      ),
    );
  }
  if (partlyChecked > 0) notes.push(say(`${partlyChecked} puntos de control solo se compararon con lo que el rango contiene`, `${partlyChecked} checkpoints were only compared with what the range holds`));
  if (!sealed) {
    // Nothing below holds without the seal: the failures say why.
  } else if (checkpoints === 0 && events > 0) {
    notes.push(
      say(
        'ningún punto de control: el sello prueba que el archivo es el exportado, pero nada firmado antes lo compara con la historia de entonces',
        'no checkpoint: the seal proves the file is the one exported, but nothing signed earlier compares it with the history as it was',
      ),
    );
  } else if (events > signedEvents && header?.from === null && header.to === null) {
    notes.push(
      say(
        `${events - signedEvents} ${events - signedEvents === 1 ? 'evento' : 'eventos'} sin punto de control que los cubra (posteriores al último, o confirmados después de que se firmó): los protege el sello de esta exportación, no una firma anterior`,
        `${events - signedEvents} ${events - signedEvents === 1 ? 'event' : 'events'} under no checkpoint (recorded after the last one, or committed after it was signed): this export's seal protects them, no earlier signature does`,
      ),
    );
  }
  return { ok: failures.length === 0, events, streams: streams.size, checkpoints, sealed, signedEvents, whole: header?.from === null && header.to === null, failures, notes };
}
