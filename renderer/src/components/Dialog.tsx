import type { ReactNode } from 'react';
import { useEffect, useRef } from 'react';
import './Dialog.css';

interface Props {
  title: string;
  testId: string;
  onClose(): void;
  children: ReactNode;
  wide?: boolean;
}

/** A modal card over the window; Escape or the backdrop closes it. Focus moves into it when it opens. */
export function Dialog({ title, testId, onClose, children, wide }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId} ref={ref} tabIndex={-1}>
        <header className="dialog-head">
          <h2>{title}</h2>
          <button type="button" className="dialog-close" aria-label="Close" title="Close (Esc)" onClick={onClose}>
            ✕
          </button>
        </header>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}
