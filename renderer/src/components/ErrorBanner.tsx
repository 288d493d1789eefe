import { useAppState, useServices } from '../app/appContext';
import { AlertIcon, CloseIcon } from './Icons';
import './ErrorBanner.css';

/** The last user-facing error, in plain words, until the user dismisses it. */
export function ErrorBanner() {
  const { controller } = useServices();
  const error = useAppState((s) => s.error);
  if (!error) return null;
  return (
    <div className="error-banner" data-testid="error-banner" role="alert" data-code={error.code}>
      <AlertIcon className="error-icon" />
      <p className="error-text">{error.message}</p>
      <button
        type="button"
        className="error-dismiss"
        data-testid="error-dismiss"
        aria-label="Dismiss this message"
        title="Dismiss"
        onClick={() => controller.dismissError()}
      >
        <CloseIcon />
      </button>
    </div>
  );
}
