import { COUNTER_LABEL_VALUES, FlowlineMetrics } from './flowline-metrics';

describe('FlowlineMetrics', () => {
  it('exposes every labelled counter at 0 for each of its known values before any increment', async () => {
    const text = await new FlowlineMetrics().registry.metrics();
    const expected: Array<[string, string, string]> = [
      ['flowline_events_ingested_total', 'outcome', 'accepted'],
      ['flowline_events_ingested_total', 'outcome', 'invalid'],
      ['flowline_actions_triggered_total', 'kind', 'flow'],
      ['flowline_actions_triggered_total', 'kind', 'sequence'],
      ['flowline_actions_not_triggered_total', 'reason', 'filter'],
      ['flowline_deliveries_total', 'outcome', 'abandoned'],
      ['flowline_deliveries_held_total', 'reason', 'deferred'],
      ['flowline_retries_total', 'tier', '3'],
      ['flowline_dead_letters_total', 'category', 'validation'],
      ['flowline_config_reloads_total', 'cause', 'notify'],
    ];
    for (const [name, label, value] of expected) expect(text).toContain(`${name}{${label}="${value}"} 0\n`);
    const series = Object.values(COUNTER_LABEL_VALUES).reduce((sum, values) => sum + values.length, 0);
    expect(text.match(/^flowline_\w+_total\{[^}]*\} 0$/gm)).toHaveLength(series);
  });
});
