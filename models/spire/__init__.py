"""SPIRE model tooling: prompt grammar, degradations, tokenizer, datasets, model, export."""
