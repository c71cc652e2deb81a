/**
 * Custom Temporal search attributes the workflows set (registered on the dev server at start, so visibility
 * queries such as `HourglassUserId = "u1"` work). Add new ones here.
 */
export type SearchAttributeType = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeType>> = {
  HourglassUserId: 'Keyword',
  HourglassSessionType: 'Keyword',
  HourglassPackId: 'Keyword',
  HourglassStatus: 'Keyword',
};

/** `--search-attribute Name=Type` flags for `temporal server start-dev`. */
export function searchAttributeFlags(attributes: Readonly<Record<string, SearchAttributeType>> = SEARCH_ATTRIBUTES): string[] {
  return Object.entries(attributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
