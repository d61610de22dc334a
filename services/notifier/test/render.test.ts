import type { NotificationJob } from '@signalbox/contracts';
import { checkBlocks } from '@signalbox/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn } from '../src/escape-mrkdwn.ts';
import { renderParent } from '../src/render-parent.ts';
import { renderStep } from '../src/render-step.ts';
import { truncateText } from '../src/truncate-text.ts';

/** Text an event could carry: long, unicode (astral too), and Slack's control sequences. */
const eventText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 5_000 }),
  fc
    .array(
      fc.constantFrom(
        '<!channel>',
        '<!here>',
        '<@U123>',
        '<https://evil.example|click>',
        '&',
        '>',
        '<',
        '😀',
        'é',
        '\n',
        '`',
        '*',
      ),
      {
        maxLength: 2_000,
      },
    )
    .map((parts) => parts.join('')),
);

const notification = fc
  .record({
    kind: fc.constantFrom(
      'run.started',
      'run.failed',
      'image.pushed',
      'scan.completed',
      'manifest.pr_opened' as const,
    ),
    ref: eventText,
    commitMessage: eventText,
    name: eventText,
    tasks: fc.array(eventText, { maxLength: 40 }),
    tag: eventText,
    image: eventText,
  })
  .map(
    (r): NotificationJob => ({
      kind: r.kind,
      key: 'k',
      correlation: {
        repo: 'org/team-a',
        sha: 'a'.repeat(40),
        ref: r.ref,
        image: r.image,
        digest: 'sha256:1',
      },
      data: {
        name: r.name,
        commitMessage: r.commitMessage,
        failedTasks: r.tasks,
        tag: r.tag,
        message: r.commitMessage,
        from: r.tag,
        to: r.name,
        url: r.ref,
        vulnerabilities: { Critical: 1 },
      },
      occurredAt: '2026-11-01T10:00:00.000Z',
    }),
  );

const unescaped = /<!(channel|here|everyone)>|<@U|<https:\/\/evil/;

describe('messages within Slack limits, event text escaped', () => {
  it('any notification text yields valid blocks within limits and no unescaped control sequence', () => {
    fc.assert(
      fc.property(fc.array(notification, { minLength: 1, maxLength: 6 }), (events) => {
        for (const message of [renderParent(events), ...events.map(renderStep)]) {
          expect(checkBlocks(message.blocks)).toEqual([]);
          expect(message.blocks.length).toBeLessThanOrEqual(50);
          expect(JSON.stringify(message.blocks).length).toBeLessThan(13_000);
          expect(message.text.length).toBeGreaterThan(0);
          expect(message.text.length).toBeLessThanOrEqual(3_000);
          expect(JSON.stringify(message)).not.toMatch(unescaped);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('escapes &, < and > and truncates with an ellipsis without splitting a surrogate pair or an entity', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    expect(truncateText('abcdef', 4)).toBe('abc…');
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
    expect(truncateText('ab&amp;cd', 5)).toBe('ab…');
    expect(truncateText('short', 10)).toBe('short');
  });
});
