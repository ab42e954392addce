/** `## ` headings of a Markdown file, lower-cased, with the text below each. */
export function readmeSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  const body: string[] = [];
  const close = (): void => {
    if (current !== undefined) sections.set(current, body.join('\n'));
    body.length = 0;
  };
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined) {
      close();
      current = heading[1].toLowerCase();
    } else body.push(line);
  }
  close();
  return sections;
}

/** The text of the first section whose heading starts with `name` (case-insensitive). */
export function findSection(sections: Map<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [heading, text] of sections) if (heading.startsWith(wanted)) return text;
  return undefined;
}
