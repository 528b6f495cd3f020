/**
 * Steps tab: the server's reproduction steps (digest/steps.ts) on the player's clock. A step
 * seeks the player; "Copy as Markdown" puts the numbered steps and a deep link to the moment
 * of the error (`?t=`) on the clipboard; "Rewrite" (only when the server has a model configured)
 * shows the digest rewritten as prose and says what was sent.
 */
import { useEffect, useState, type RefObject } from 'react';
import { stepsMarkdown, type Step, type StepList } from '@reprise/protocol';
import { getSessionSteps, isAbort, rewriteDigest, rewriteStatus } from '../api';
import { clock } from '../format';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';

interface Props {
  sessionId: string;
  /** The player's start (epoch ms): a step's offset is `t - startTime`. */
  startTime: number;
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; list: StepList };
type Rewrite =
  | { state: 'idle' }
  | { state: 'working' }
  | { state: 'failed'; message: string }
  | { state: 'done'; prose: string; sent: string; model: string };

export function StepsPanel({ sessionId, startTime, nowMs, onSeek }: Props) {
  const { load, model } = useSteps(sessionId);
  const { copied, rewrite, copy, runRewrite } = useStepActions(sessionId, startTime);

  const steps = load.state === 'ready' ? load.list.steps.map((s) => ({ step: s, offset: s.t - startTime })) : [];
  const current = currentIndex(steps, nowMs);
  const listRef = useFollowCurrent<HTMLOListElement>(steps[current]?.step.n);

  if (load.state === 'loading') return <p className="dt-empty muted">Loading steps…</p>;
  if (load.state === 'failed') return <p className="dt-empty error">Steps could not be loaded: {load.message}</p>;
  const list = load.list;
  return (
    <div className="dt-tab">
      <StepsToolbar list={list} model={model} rewrite={rewrite} copied={copied} onCopy={copy} onRewrite={runRewrite} />
      {copied && copied !== 'Copied' && <textarea className="steps-markdown" readOnly value={copied} aria-label="Steps as Markdown" />}
      <RewriteResult rewrite={rewrite} />
      <StepRows steps={steps} current={current} nowMs={nowMs} onSeek={onSeek} listRef={listRef} />
    </div>
  );
}

/** The session's steps, and the rewrite model's name when the server has one configured. */
function useSteps(sessionId: string): { load: Load; model: string | null } {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [model, setModel] = useState<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    setLoad({ state: 'loading' });
    getSessionSteps(sessionId, ctl.signal).then(
      (list) => setLoad({ state: 'ready', list }),
      (err: unknown) => !isAbort(err) && setLoad({ state: 'failed', message: (err as Error).message }),
    );
    rewriteStatus(ctl.signal).then(
      (s) => setModel(s.enabled ? (s.model ?? 'the configured model') : null),
      () => setModel(null),
    );
    return () => ctl.abort();
  }, [sessionId]);
  return { load, model };
}

/** "Copy as Markdown" (`copied` is 'Copied', or the text to copy by hand) and "Rewrite". */
function useStepActions(sessionId: string, startTime: number) {
  const [copied, setCopied] = useState<string | null>(null);
  const [rewrite, setRewrite] = useState<Rewrite>({ state: 'idle' });

  async function copy(list: StepList): Promise<void> {
    const md = stepsMarkdown(list, (t) => deepLink(t - startTime));
    try {
      await navigator.clipboard.writeText(md);
      setCopied('Copied');
    } catch {
      // No clipboard permission: show the text to copy by hand.
      setCopied(md);
    }
  }

  async function runRewrite(): Promise<void> {
    setRewrite({ state: 'working' });
    try {
      setRewrite({ state: 'done', ...(await rewriteDigest(sessionId)) });
    } catch (err) {
      setRewrite({ state: 'failed', message: (err as Error).message });
    }
  }
  return { copied, rewrite, copy, runRewrite };
}

function StepsToolbar(props: {
  list: StepList;
  model: string | null;
  rewrite: Rewrite;
  copied: string | null;
  onCopy: (list: StepList) => Promise<void>;
  onRewrite: () => Promise<void>;
}) {
  const { list, model, rewrite, copied } = props;
  return (
    <div className="dt-filters steps-actions">
      <button type="button" data-testid="steps-copy" onClick={() => void props.onCopy(list)} disabled={list.steps.length === 0}>
        Copy as Markdown
      </button>
      {model && (
        <button
          type="button"
          data-testid="steps-rewrite"
          onClick={() => void props.onRewrite()}
          disabled={rewrite.state === 'working'}
          title={`Sends the session digest (no raw events) to ${model}`}
        >
          {rewrite.state === 'working' ? 'Rewriting…' : 'Rewrite'}
        </button>
      )}
      {copied === 'Copied' && (
        <span className="muted" role="status">
          Copied
        </span>
      )}
    </div>
  );
}

function RewriteResult({ rewrite }: { rewrite: Rewrite }) {
  if (rewrite.state === 'failed') return <p className="dt-empty error">Rewrite failed: {rewrite.message}</p>;
  if (rewrite.state !== 'done') return null;
  return (
    <div className="steps-prose" data-testid="steps-prose">
      <p>{rewrite.prose}</p>
      <details>
        <summary className="muted">What was sent to {rewrite.model}</summary>
        <pre>{rewrite.sent}</pre>
      </details>
    </div>
  );
}

function StepRows(props: {
  steps: { step: Step; offset: number }[];
  current: number;
  nowMs: number;
  onSeek: (offsetMs: number) => void;
  listRef: RefObject<HTMLOListElement | null>;
}) {
  const { steps, current, nowMs, onSeek } = props;
  return (
    <ol className="dt-list steps-list" ref={props.listRef}>
      {steps.length === 0 && <li className="dt-empty muted">No steps were recorded in this session.</li>}
      {steps.map(({ step, offset }, i) => (
        <li
          key={step.n}
          className={step.outcomes.length > 0 ? 'dt-row step-row bad' : 'dt-row step-row'}
          data-testid="step"
          {...timeAttrs(offset > nowMs, i === current)}
          {...rowActivation(() => onSeek(Math.max(0, offset)))}
        >
          <span className="dt-time">{clock(Math.max(0, offset))}</span>
          <span className="step-n">{step.n}.</span>
          <span className="step-text" title={targetTitle(step)}>
            {step.text}
          </span>
        </li>
      ))}
    </ol>
  );
}

function targetTitle(s: Step): string | undefined {
  if (!s.target) return s.url ?? undefined;
  const t = s.target;
  return [
    t.testId && `data-testid: ${t.testId}`,
    t.role && `role: ${t.role}`,
    t.name && `name: ${t.name}`,
    t.selector && `selector: ${t.selector}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** This page's URL opened at `offsetMs` (`?t=` in seconds, as the player reads it). */
function deepLink(offsetMs: number): string {
  const url = new URL(window.location.href);
  url.searchParams.set('t', String(Math.round(Math.max(0, offsetMs) / 100) / 10));
  return url.toString();
}
