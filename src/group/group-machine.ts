// The classic group coordinator as one state machine: step(state, input, nowMs)
// returns the effects to perform (answers, timers, log appends). It reads no
// clock, opens no socket and writes no file; a runtime performs the effects and
// feeds back ticks and append outcomes. The state object is owned by the machine
// and updated in place: keep no other references into it.

import {
  handleDeleteGroups,
  handleDescribeGroups,
  handleListGroups,
  handleLoadBegin,
  handleLoadComplete,
  handleUnload,
} from './group-admin.ts';
import type { GroupCoordinatorConfig } from './group-config.ts';
import { handleJoin } from './group-join.ts';
import type { GroupEffect, GroupInput } from './group-machine-types.ts';
import { handleHeartbeat, handleLeave, handleSync } from './group-membership.ts';
import {
  expireOffsets,
  handleCommit,
  handleDeleteOffsets,
  handleFetchOffsets,
  handleTxnCommit,
  handleTxnComplete,
  onRetentionTimer,
} from './group-offsets.ts';
import { handlePersisted } from './group-persisted.ts';
import {
  onJoinTimer,
  onPendingMemberTimer,
  onSessionTimer,
  onSyncTimer,
} from './group-rebalance.ts';
import type { GroupCoordinatorState, GroupTimer } from './group-state.ts';
import { OFFSETS_RETENTION_TIMER_KEY, type Step, setTimer } from './group-step.ts';

export interface StepResult {
  readonly state: GroupCoordinatorState;
  readonly effects: readonly GroupEffect[];
}

/**
 * A coordinator that owns no __consumer_offsets partition yet (send load-begin /
 * load-complete for each it leads). Its effects arm the offset-expiry timer.
 */
export function createGroupCoordinator(config: GroupCoordinatorConfig, nowMs: number): StepResult {
  const state: GroupCoordinatorState = {
    config,
    groups: new Map(),
    partitions: new Map(),
    timers: new Map(),
    pendingPersists: new Map(),
    nextPersistId: 1,
  };
  const step: Step = { state, nowMs, effects: [] };
  setTimer(step, OFFSETS_RETENTION_TIMER_KEY, {
    kind: 'offsets-retention',
    atMs: nowMs + config.offsetsRetentionCheckIntervalMs,
  });
  return { state, effects: step.effects };
}

export function step(state: GroupCoordinatorState, input: GroupInput, nowMs: number): StepResult {
  const s: Step = { state, nowMs, effects: [] };
  dispatch(s, input);
  return { state, effects: s.effects };
}

/** The earliest armed timer, for a runtime that keeps a single real timer. */
export function nextTimerAtMs(state: GroupCoordinatorState): number | null {
  let next: number | null = null;
  for (const t of state.timers.values()) if (next === null || t.atMs < next) next = t.atMs;
  return next;
}

function dispatch(s: Step, input: GroupInput): void {
  switch (input.type) {
    case 'join':
      handleJoin(s, input);
      return;
    case 'sync':
      handleSync(s, input);
      return;
    case 'heartbeat':
      handleHeartbeat(s, input);
      return;
    case 'leave':
      handleLeave(s, input);
      return;
    case 'commit':
      handleCommit(s, input);
      return;
    case 'fetch-offsets':
      handleFetchOffsets(s, input);
      return;
    case 'txn-commit':
      handleTxnCommit(s, input);
      return;
    case 'txn-complete':
      handleTxnComplete(s, input);
      return;
    case 'delete-offsets':
      handleDeleteOffsets(s, input);
      return;
    case 'delete-groups':
      handleDeleteGroups(s, input);
      return;
    case 'describe-groups':
      handleDescribeGroups(s, input);
      return;
    case 'list-groups':
      handleListGroups(s, input);
      return;
    case 'tick':
      tick(s);
      return;
    case 'persisted':
      handlePersisted(s, input);
      return;
    case 'load-begin':
      handleLoadBegin(s, input.partition);
      return;
    case 'load-complete':
      handleLoadComplete(s, input);
      return;
    case 'unload':
      handleUnload(s, input.partition);
      return;
    case 'expire-offsets':
      expireOffsets(s);
      return;
  }
}

/**
 * Fires every timer due by nowMs, earliest first, each as if at its own deadline,
 * so a long gap between ticks plays out as it would have with punctual ticks. A
 * timer armed while firing with a deadline not after that firing's time waits
 * for the next tick, so a zero timeout cannot loop. A fired timer is gone: no
 * cancel effect follows.
 */
function tick(s: Step): void {
  const deferred = new Set<GroupTimer>();
  for (;;) {
    const next = earliestDue(s.state.timers, s.nowMs, deferred);
    if (next === null) return;
    const [key, timer] = next;
    s.state.timers.delete(key);
    const firstEffect = s.effects.length;
    fire({ state: s.state, nowMs: timer.atMs, effects: s.effects }, timer);
    for (const e of s.effects.slice(firstEffect)) {
      const armed = e.type === 'schedule' ? s.state.timers.get(e.timerKey) : undefined;
      if (armed !== undefined && armed.atMs <= timer.atMs) deferred.add(armed);
    }
  }
}

function earliestDue(
  timers: ReadonlyMap<string, GroupTimer>,
  nowMs: number,
  deferred: ReadonlySet<GroupTimer>,
): [string, GroupTimer] | null {
  let best: [string, GroupTimer] | null = null;
  for (const entry of timers) {
    const [key, t] = entry;
    if (t.atMs > nowMs || deferred.has(t)) continue;
    if (best === null || t.atMs < best[1].atMs || (t.atMs === best[1].atMs && key < best[0])) {
      best = entry;
    }
  }
  return best;
}

function fire(s: Step, timer: GroupTimer): void {
  if (timer.kind === 'offsets-retention') {
    onRetentionTimer(s);
    return;
  }
  const group = s.state.groups.get(timer.groupId);
  if (group === undefined) return;
  switch (timer.kind) {
    case 'join':
      onJoinTimer(s, group, timer);
      return;
    case 'sync':
      onSyncTimer(s, group, timer.generationId);
      return;
    case 'session':
      onSessionTimer(s, group, timer.memberId);
      return;
    case 'pending-member':
      onPendingMemberTimer(s, group, timer.memberId);
      return;
  }
}
