/** Degradation synthesis for the CLI's `degrade` command (a port of models/spire/degradations.py's parameterized pipeline). */
export * from './degrade';
