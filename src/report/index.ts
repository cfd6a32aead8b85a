/**
 * Renderers: pure functions from findings to text, in registries. The CLI's `--format`
 * choices are the keys of these registries. Nothing here reads a capture.
 */
import type { AnalysisResult, CaptureSummary, CompareResult } from '../analysis/types.js';
import type { Connection } from '../flows/connection.js';
import { renderFlowsCsv, renderFlowsJson, renderFlowsText, renderFlowsZeek } from './flows.js';
import { reportHtmlLines } from './html.js';
import { renderKnownSuggestions } from './known.js';
import type { KnownSuggestion } from '../analysis/known.js';
import { renderAnalyzeJson, renderCompareJson, renderInfoJson } from './json.js';
import { analyzeMarkdownLines, renderCompareMarkdown, reportMarkdownLines } from './markdown.js';
import { analyzeTextLines, renderCompareText, renderInfoText } from './text.js';
import { joined, type LinesRenderer, type Renderer, type ReportConnections } from './types.js';

export type { LinesRenderer, RenderOptions, Renderer } from './types.js';
export { sanitizeTerminal, escapeHtml, csvCell, escapeMarkdown, zeekString } from './escape.js';
export { connectionColumns, zeekColumns, type ConnectionColumn, type ZeekType } from './columns.js';
export { contractGaps } from './json.js';
export { markdownTable } from './markdown.js';

/** What `callhome report` renders: the analysis, and optionally its connections (for a table of connection states). */
export type ReportInput = AnalysisResult & { connections?: ReportConnections };

/** The long documents as their lines (what the CLI writes, a batch at a time). */
export const analyzeLineRenderers: Record<'text' | 'markdown', LinesRenderer<AnalysisResult>> = {
  text: analyzeTextLines,
  markdown: analyzeMarkdownLines,
};
export const reportLineRenderers: Record<'html' | 'markdown', LinesRenderer<ReportInput>> = {
  html: reportHtmlLines,
  markdown: reportMarkdownLines,
};

export const analyzeRenderers: Record<'text' | 'markdown' | 'json', Renderer<AnalysisResult>> = {
  text: joined(analyzeTextLines),
  markdown: joined(analyzeMarkdownLines),
  json: renderAnalyzeJson,
};

/** json: `{"version":1,"captures":[...]}`. */
export const infoRenderers: Record<'text' | 'json', Renderer<CaptureSummary[]>> = {
  text: renderInfoText,
  json: renderInfoJson,
};

export { flowsStreams, type FlowsStream, type FlowsStreamOptions } from './flows.js';

export const flowsRenderers: Record<'text' | 'json' | 'csv' | 'zeek', Renderer<Connection[]>> = {
  text: renderFlowsText,
  json: renderFlowsJson,
  csv: renderFlowsCsv,
  zeek: renderFlowsZeek,
};

export const compareRenderers: Record<'text' | 'markdown' | 'json', Renderer<CompareResult>> = {
  text: renderCompareText,
  markdown: renderCompareMarkdown,
  json: renderCompareJson,
};

export const reportRenderers: Record<'html' | 'markdown', Renderer<ReportInput>> = {
  html: joined(reportHtmlLines),
  markdown: joined(reportMarkdownLines),
};

/** `callhome known suggest`: candidate known-destination lines. */
export const knownRenderers: Record<'text', Renderer<{ captures: CaptureSummary[]; suggestions: KnownSuggestion[] }>> = {
  text: renderKnownSuggestions,
};
