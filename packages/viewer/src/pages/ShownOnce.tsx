import { useState, type ReactNode } from 'react';
import { copyText } from '../player/clipboard';

/**
 * A secret the server shows only once (a recording link, an API token): what it is, then the
 * value in a read-only field with a copy button. Key it by the value so a new one starts uncopied.
 */
export function ShownOnce({
  value,
  valueTestId,
  copyTestId,
  children,
}: {
  value: string;
  valueTestId: string;
  copyTestId: string;
  children: ReactNode;
}) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <div className="created-link">
      <p>{children}</p>
      <div className="created-link-row">
        <input readOnly data-testid={valueTestId} value={value} onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          data-testid={copyTestId}
          onClick={() =>
            copyText(value).then(
              () => setCopied('copied'),
              () => setCopied('failed'),
            )
          }
        >
          {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
