/**
 * Keeps a rendering failure inside the part of the page it happened in (a panel, the player,
 * one list row) instead of unmounting the whole app. Stored event data is validated before it
 * is rendered; this is the wall behind that check.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What to show instead; `retry` renders the children again. */
  fallback: (error: Error, retry: () => void) => ReactNode;
  /** A change of this value (another session, another tab) clears a caught error. */
  resetKey?: unknown;
  children?: ReactNode;
}

interface State {
  error: Error | null;
  key: unknown;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.warn('viewer: a part of the page failed to render', error, info.componentStack);
  }

  private retry = () => this.setState({ error: null });

  render(): ReactNode {
    return this.state.error ? this.props.fallback(this.state.error, this.retry) : this.props.children;
  }
}

/** The fallback of a whole panel or of the player. */
export function PartFailed({ what, error, retry }: { what: string; error: Error; retry: () => void }) {
  return (
    <div className="part-failed" role="alert" data-testid="part-failed" data-part={what}>
      <p>
        The {what} could not show this session&apos;s data <span className="muted">({error.message})</span>.
      </p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}
