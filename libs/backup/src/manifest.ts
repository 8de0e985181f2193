import { z } from 'zod';

/** What a backup folder holds; `restore` and `backup verify` refuse any other format. */
export const MANIFEST_FORMAT = 'calendar-assistant-backup';
export const MANIFEST_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export const COMPONENTS = ['mongodb', 'redis'] as const;
export type Component = (typeof COMPONENTS)[number];

/** One backed-up file: where it is (relative to the backup folder), its SHA-256 and its line count. */
const FileEntry = z.object({
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
});
export type FileEntry = z.infer<typeof FileEntry>;

/**
 * A collection: its documents (one canonical Extended JSON document per line, gzipped), its
 * options (validator, capped, collation, …) and its indexes with their options. Options and index
 * specs are relaxed Extended JSON, so a Date or ObjectId in a partial filter or validator survives.
 */
const CollectionEntry = FileEntry.extend({
  name: z.string().min(1),
  documents: z.number().int().nonnegative(),
  options: z.record(z.string(), z.unknown()),
  indexes: z.array(z.object({ name: z.string(), key: z.record(z.string(), z.unknown()) }).loose()),
});
export type CollectionEntry = z.infer<typeof CollectionEntry>;

const MongoSection = z.object({
  database: z.string().min(1),
  server: z.string(),
  collections: z.array(CollectionEntry),
  /** Namespaces listed but not backed up (views, system collections), with the reason. */
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
});
export type MongoSection = z.infer<typeof MongoSection>;

const RedisSection = FileEntry.extend({
  /** The logical database of REDIS_URL: the only one backed up. */
  db: z.number().int().nonnegative(),
  scope: z.string(),
  server: z.string(),
  keys: z.number().int().nonnegative(),
  /** Keys per Redis type (string, hash, list, set, zset, stream, …). */
  types: z.record(z.string(), z.number().int().nonnegative()),
  /** Keys with an expiry (stored as absolute Unix milliseconds). */
  withExpiry: z.number().int().nonnegative(),
  /** Keys SCAN listed that expired or were deleted before they could be dumped. */
  vanished: z.number().int().nonnegative(),
});
export type RedisSection = z.infer<typeof RedisSection>;

/**
 * Present when every data file is encrypted (BACKUP_ENCRYPTION_KEY): how, and which key — by its
 * id (8 bytes of the key's SHA-256), never the key. File checksums are of the encrypted files.
 */
const EncryptionSection = z.object({
  algorithm: z.literal('aes-256-gcm'),
  chunkBytes: z.number().int().positive(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
});
export type EncryptionSection = z.infer<typeof EncryptionSection>;

export const ManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  appVersion: z.string(),
  startedAt: z.iso.datetime(),
  completedAt: z.iso.datetime(),
  components: z.array(z.enum(COMPONENTS)).min(1),
  consistency: z.string(),
  encryption: EncryptionSection.optional(),
  mongodb: MongoSection.optional(),
  redis: RedisSection.optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Every data file the manifest lists, with the label a report names it by. */
export function manifestFiles(
  manifest: Manifest,
): Array<FileEntry & { component: Component; label: string }> {
  return [
    ...(manifest.mongodb?.collections ?? []).map((c) => ({
      ...c,
      component: 'mongodb' as const,
      label: `mongodb collection ${c.name}`,
    })),
    ...(manifest.redis
      ? [{ ...manifest.redis, component: 'redis' as const, label: `redis db ${manifest.redis.db}` }]
      : []),
  ];
}

/** Collection names may hold characters a file name cannot; the file name is URI-encoded. */
export const collectionFile = (name: string) => `mongodb/${encodeURIComponent(name)}.ejson.gz`;
export const REDIS_FILE = 'redis/keys.jsonl.gz';
