import { useAppState, useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import { packAbilities } from '../state/packAbilities';
import type { ControlEdit } from '../state/promptBuilder';
import { EstimateLine, OutputSizeControl } from './PromptEstimate';
import { RestorationBuilder } from './RestorationBuilder';
import './Panels.css';

/**
 * The semantic prompt (what the photo shows) and the restoration prompt (what is wrong
 * with it): a text field and the builder's controls (RestorationBuilder), kept in sync both
 * ways by promptBuilder.ts. An invalid text is flagged under the field with the grammar's reason.
 * Under the field: where the text came from (the photo's estimate, edited, `auto`) and the
 * output size, which is the user's choice (promptEstimate.ts). Under the semantic prompt: what the
 * loaded pack does with the prompts (packAbilities.ts).
 */
export function PromptPanel() {
  const { store } = useServices();
  const prompt = useStudio((s) => s.prompt);
  const restorerOnly = useStudio((s) => s.settings.strength === 0);
  const abilities = useAppState((s) => packAbilities(s.engine?.pack ?? null));
  const edit = (e: ControlEdit) => store.dispatch({ type: 'prompt/control', edit: e });

  return (
    <section className="panel" aria-labelledby="prompt-panel-title">
      <h2 className="panel-title" id="prompt-panel-title">
        Prompts
      </h2>

      <label className="field-label" htmlFor="semantic-prompt">
        What the photo shows
      </label>
      <textarea
        id="semantic-prompt"
        className="text-field"
        data-testid="semantic-prompt"
        rows={2}
        placeholder="e.g. a portrait of an old man, detailed skin"
        value={prompt.semantic}
        spellCheck={false}
        onChange={(e) => store.dispatch({ type: 'prompt/semantic', text: e.target.value })}
      />
      {abilities ? (
        <p className="hint" data-testid="pack-abilities">
          {abilities}
        </p>
      ) : null}
      {restorerOnly ? (
        <p className="hint" data-testid="semantic-prompt-hint">
          Used by the diffusion model: raise the strength above 0 (now restorer only) for this and the regions’ “what is here” to act. A region’s own restoration or Keep as is acts at every strength.
        </p>
      ) : null}

      <label className="field-label" htmlFor="restoration-prompt">
        What to fix
      </label>
      <RestorationBuilder
        field={prompt}
        id="restoration-prompt"
        testId={(part) => part}
        onText={(text) => store.dispatch({ type: 'prompt/restorationText', text })}
        onCanonicalise={() => store.dispatch({ type: 'prompt/canonicalise' })}
        onEdit={edit}
      >
        <EstimateLine />
        <OutputSizeControl />
      </RestorationBuilder>
    </section>
  );
}
