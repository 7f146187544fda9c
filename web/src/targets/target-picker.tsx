import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { graphql } from '../api/graphql.js';
import {
  GROUPS,
  IMPORT_TARGETS,
  type ImportTarget,
  type ImportTargetType,
  type OmeroGroup,
} from '../api/operations.js';
import { SandboxBadge } from './sandbox-badge.js';
import { rememberedTarget, rememberTarget } from './remembered-target.js';

/** Why a target cannot be chosen: OMERO lets you link into it only if it is yours or the group is read-write. */
const CANNOT_LINK_REASON = 'Read-only: owned by someone else in a group that does not let members add to it';

type Load<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; value: T };

function useQuery<T>(run: (() => Promise<T>) | undefined, deps: unknown[]): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!run) return;
    let current = true;
    setLoad({ state: 'loading' });
    run().then(
      (value) => current && setLoad({ state: 'ready', value }),
      (error: Error) => current && setLoad({ state: 'error', message: error.message }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  return [load, () => setAttempt((n) => n + 1)];
}

function groupByProject(targets: ImportTarget[]): [string, ImportTarget[]][] {
  const groups = new Map<string, ImportTarget[]>();
  for (const target of targets) {
    const key = target.type === 'DATASET' ? (target.projectName ?? '') : '';
    groups.set(key, [...(groups.get(key) ?? []), target]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
}

/**
 * Where the images go: the user's OMERO group, then one of its datasets (under their project)
 * or screens. Targets the user may not import into are listed, disabled, with the reason.
 */
export function TargetPicker({ onChange }: { onChange: (target: ImportTarget | undefined) => void }) {
  const remembered = useMemo(rememberedTarget, []);
  const [groupId, setGroupId] = useState<string | undefined>(remembered?.groupId);
  const [type, setType] = useState<ImportTargetType>(remembered?.type ?? 'DATASET');
  const [targetId, setTargetId] = useState<string | undefined>(remembered?.targetId);
  const ids = { group: useId(), type: useId(), targets: useId() };
  const headingRef = useRef<HTMLHeadingElement>(null);

  const [groups, retryGroups] = useQuery(() => graphql<{ groups: OmeroGroup[] }>(GROUPS).then((d) => d.groups), []);
  const groupList = groups.state === 'ready' ? groups.value : [];
  const group = groupList.find((g) => g.id === groupId) ?? (groupList.length === 1 ? groupList[0] : undefined);

  const [targets, retryTargets] = useQuery(
    group
      ? () =>
          graphql<{ importTargets: ImportTarget[] }>(IMPORT_TARGETS, { groupId: group.id, type }).then(
            (d) => d.importTargets,
          )
      : undefined,
    [group?.id, type],
  );
  const targetList = targets.state === 'ready' ? targets.value : [];
  const target = targetList.find((t) => t.id === targetId && t.canLink);

  useEffect(() => onChange(target), [target, onChange]);
  useEffect(() => {
    if (group) rememberTarget({ groupId: group.id, type, targetId: target?.id });
  }, [group, type, target]);

  // Where keyboard and screen reader users land after signing in: the first step.
  useEffect(() => {
    if (groups.state === 'ready') headingRef.current?.focus();
  }, [groups.state]);

  if (groups.state === 'loading') return <p role="status">Loading your OMERO groups…</p>;
  if (groups.state === 'error')
    return <ErrorWithRetry message={`Your groups could not be loaded: ${groups.message}`} onRetry={retryGroups} />;
  if (groupList.length === 0)
    return (
      <p className="notice">
        You are not a member of any OMERO group yet. Ask your OMERO administrator to add you to one.
      </p>
    );

  return (
    <section className="target-picker" aria-labelledby={`${ids.targets}-heading`}>
      <h2 id={`${ids.targets}-heading`} tabIndex={-1} ref={headingRef}>
        1. Choose where the images go
      </h2>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.group}>OMERO group</label>
          <select
            id={ids.group}
            value={group?.id ?? ''}
            onChange={(event) => {
              setGroupId(event.target.value || undefined);
              setTargetId(undefined);
            }}
          >
            {!group && <option value="">Choose a group…</option>}
            {groupList.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
                {g.sandbox ? ' (Sandbox OMERO)' : ''}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="field type-choice">
          <legend>Import into a</legend>
          {(['DATASET', 'SCREEN'] as const).map((value) => (
            <label key={value}>
              <input
                type="radio"
                name={ids.type}
                value={value}
                checked={type === value}
                onChange={() => {
                  setType(value);
                  setTargetId(undefined);
                }}
              />
              {value === 'DATASET' ? 'Dataset (images)' : 'Screen (plates)'}
            </label>
          ))}
        </fieldset>
      </div>
      {group?.sandbox && (
        <p className="sandbox-note">
          <SandboxBadge /> This group lives in the sandbox OMERO, which stands in for a real server: images imported
          here are for trying the uploader out.
        </p>
      )}
      {group && (
        <TargetList
          state={targets}
          targets={targetList}
          type={type}
          selected={target?.id}
          onSelect={setTargetId}
          onRetry={retryTargets}
          name={ids.targets}
        />
      )}
    </section>
  );
}

function TargetList(props: {
  state: Load<ImportTarget[]>;
  targets: ImportTarget[];
  type: ImportTargetType;
  selected?: string;
  onSelect: (id: string) => void;
  onRetry: () => void;
  name: string;
}) {
  const noun = props.type === 'DATASET' ? 'dataset' : 'screen';
  if (props.state.state === 'loading') return <p role="status">Loading {noun}s…</p>;
  if (props.state.state === 'error')
    return (
      <ErrorWithRetry message={`The ${noun}s could not be loaded: ${props.state.message}`} onRetry={props.onRetry} />
    );
  if (props.targets.length === 0)
    return <p className="notice">This group has no {noun}s yet. Create one in OMERO, then reload this page.</p>;
  return (
    <fieldset className="targets">
      <legend>{props.type === 'DATASET' ? 'Dataset' : 'Screen'}</legend>
      {groupByProject(props.targets).map(([project, targets]) => (
        <div key={project} className="project" role="group" aria-label={project ? `Project ${project}` : `No project`}>
          {props.type === 'DATASET' && <h3>{project ? `Project: ${project}` : 'Not in a project'}</h3>}
          <ul>
            {targets.map((t) => (
              <li key={t.id} className={t.canLink ? '' : 'disabled'}>
                <label>
                  <input
                    type="radio"
                    name={props.name}
                    value={t.id}
                    checked={props.selected === t.id}
                    disabled={!t.canLink}
                    aria-describedby={t.canLink ? undefined : `${props.name}-${t.id}-why`}
                    onChange={() => props.onSelect(t.id)}
                  />
                  <span className="target-name">{t.name}</span>
                  {t.sandbox && <SandboxBadge />}
                </label>
                {!t.canLink && (
                  <span id={`${props.name}-${t.id}-why`} className="reason">
                    {CANNOT_LINK_REASON}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </fieldset>
  );
}

export function ErrorWithRetry({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
