import datetime

from reports.charts import line_chart, nice_max, stacked_bars, step_chart


def test_nice_max_rounds_up_to_a_readable_step():
    assert nice_max(108) == (150, 50)  # 27 a step → 50, at most five steps
    assert nice_max(80) == (80, 20)
    assert nice_max(60) == (60, 20)
    assert nice_max(0.9) == (1.0, 0.25)
    assert nice_max(0) == (1.0, 0.25)


def test_line_chart_scales_dates_and_values_into_the_plot():
    d0, d1 = datetime.date(2026, 1, 1), datetime.date(2026, 1, 11)
    chart = line_chart([("Median", [(d0, 0), (d1, 50)])], references=[("Cap", 100)], band=("40–55", 40, 55))
    median, cap = chart.lines
    # y runs 0..150 (the round top above 100 × 1.05) over the plot height; x edge to edge
    assert (chart.left, chart.plot_right, chart.top, chart.plot_bottom) == (48, 696, 12, 232)
    assert median.path == "M48.0,232.0 L696.0,158.7"  # 232 − 220 × 50/150
    assert cap.dashed and cap.label == "Cap"
    (band,) = chart.bands
    assert band.y_top < band.y_bottom and band.height > 0
    assert chart.x_ticks[0].label == "2026-01-01" and chart.x_ticks[-1].label == "2026-01-11"


def test_empty_charts_say_so():
    assert line_chart([("Median", [])]).empty
    assert step_chart([]).empty
    assert stacked_bars([]).empty


def test_step_chart_draws_steps_and_bars_stack_to_the_whole():
    chart = step_chart([("Arm", [(0, 1.0), (10, 0.5)])])
    assert chart.lines[0].path.count("L") == 3  # across to day 10, down to 0.5, end
    bars = stacked_bars([("2026-Q1", [("job", 0.25), ("other", 0.75)])])
    assert sum(b["height"] for b in bars.bars) == bars.plot_bottom - bars.top
