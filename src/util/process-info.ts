import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ProcessInfo, ProcessKind } from '../backend/types.ts';

export function newProcessInfo(
  kind: ProcessKind,
  name: string,
  now: number,
  details: { supervisorId?: string | null; metadata?: Record<string, unknown> } = {},
): ProcessInfo {
  return {
    id: randomUUID(),
    kind,
    name,
    pid: process.pid,
    hostname: hostname(),
    supervisorId: details.supervisorId ?? null,
    metadata: JSON.stringify(details.metadata ?? {}),
    lastHeartbeatAt: now,
    createdAt: now,
  };
}
