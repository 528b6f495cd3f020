/**
 * Inspectable tree for serialized console values and JSON bodies. Containers deeper than
 * depth 1 start collapsed; their toggle (`tree-toggle`) expands them lazily.
 */
import { ResolvedStack } from './ResolvedStack';
import { useState } from 'react';
import type { SerializedValue } from '@reprise/protocol';
import { isContainer, previewText, scalarText } from './valueText';

const HTML_SNIPPET_CHARS = 300;
/** Children rendered per container before a "show more" button. */
const PAGE = 100;

export function ValueTree({ value, topLevel = false }: { value: SerializedValue; topLevel?: boolean }) {
  return (
    <div className="value-tree" data-testid="value-tree">
      <ValueNode value={value} depth={0} topLevel={topLevel} />
    </div>
  );
}

interface NodeProps {
  value: SerializedValue;
  depth: number;
  name?: string;
  /** A console argument: strings print unquoted, like the browser console. */
  topLevel?: boolean;
}

function ValueNode({ value, depth, name, topLevel }: NodeProps) {
  const [open, setOpen] = useState(depth <= 1);
  const [shown, setShown] = useState(PAGE);
  const key = name !== undefined && <span className="v-key">{name}: </span>;

  if (!isContainer(value)) {
    return (
      <div className="v-leaf">
        {key}
        <Leaf value={value} quote={!topLevel} />
      </div>
    );
  }

  const children = childrenOf(value);
  const hidden = (value.truncated ?? 0) + Math.max(0, children.length - shown);
  return (
    <div className="v-node">
      <button type="button" className="tree-toggle" data-testid="tree-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="caret">{open ? '▾' : '▸'}</span>
        {key}
        <span className="v-label">{previewText(value, 1)}</span>
      </button>
      {open && (
        <div className="v-children">
          {children.slice(0, shown).map(([k, v], i) => (
            <ValueNode key={i} name={k} value={v} depth={depth + 1} />
          ))}
          {children.length > shown && (
            <button type="button" className="link-button" onClick={() => setShown(shown + PAGE)}>
              show more…
            </button>
          )}
          {hidden > 0 && <div className="muted">… {hidden} more not shown</div>}
        </div>
      )}
    </div>
  );
}

function childrenOf(v: SerializedValue): [string, SerializedValue][] {
  switch (v.type) {
    case 'object':
      return v.entries;
    case 'array':
      return v.items.map((x, i) => [String(i), x]);
    case 'set':
      return v.items.map((x, i) => [String(i), x]);
    case 'map':
      return v.entries.map(([k, x]) => [previewText(k, 1), x]);
    default:
      return [];
  }
}

function Leaf({ value, quote }: { value: SerializedValue; quote: boolean }) {
  switch (value.type) {
    case 'error':
      return (
        <span className="v-error">
          {value.name}: {value.message}
          {value.stack && <Stack stack={value.stack} open />}
        </span>
      );
    case 'dom': {
      const html = value.html.length > HTML_SNIPPET_CHARS ? `${value.html.slice(0, HTML_SNIPPET_CHARS)}…` : value.html;
      return (
        <span className="v-dom">
          <span className="v-selector">{value.selector}</span> <code className="v-html">{html}</code>
        </span>
      );
    }
    case 'string':
      return (
        <span className={quote ? 'v-string' : undefined}>
          {scalarText(value, quote)}
          {value.truncated !== undefined && <span className="muted"> (cut, {value.truncated} chars)</span>}
        </span>
      );
    default:
      return <span className={`v-${value.type}`}>{scalarText(value, quote)}</span>;
  }
}

/** A stack trace behind a disclosure. */
export function Stack({ stack, open = false }: { stack: string; open?: boolean }) {
  return (
    <details className="stack" open={open}>
      <summary>stack</summary>
      <ResolvedStack stack={stack} />
    </details>
  );
}

/** Plain JSON (a parsed body) as a SerializedValue, so it can use the same tree. */
export function fromJson(v: unknown): SerializedValue {
  if (v === null) return { type: 'null' };
  if (v === undefined) return { type: 'undefined' };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (typeof v === 'number') return { type: 'number', value: v };
  if (typeof v === 'boolean') return { type: 'boolean', value: v };
  if (Array.isArray(v)) return { type: 'array', length: v.length, items: v.map(fromJson) };
  if (typeof v === 'object') {
    return { type: 'object', entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x)]) };
  }
  return { type: 'string', value: String(v) };
}
