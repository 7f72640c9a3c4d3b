using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

public class DurationsTests
{
    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("5s", 5)]
    [InlineData("1m30s", 90)]
    [InlineData("2h", 7200)]
    [InlineData("1.5s", 1.5)]
    [InlineData("1h2m3s", 3723)]
    [InlineData("1m500ms", 60.5)]
    [InlineData("90m", 5400)]
    [InlineData("5", 5)]
    [InlineData("0.25", 0.25)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData(" 10s ", 10)]
    public void Parse_reads_units_and_bare_seconds(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));
    }

    [Theory]
    [InlineData(null, "empty duration")]
    [InlineData("", "empty duration")]
    [InlineData("   ", "empty duration")]
    [InlineData("-5", "must be zero or more")]
    [InlineData("-5s", "is not a duration")]
    [InlineData("5x", "unknown unit 'x'")]
    [InlineData("5S", "unknown unit 'S'")]
    [InlineData("5sec", "unknown unit 'sec'")]
    [InlineData("1m30", "missing a unit after 30")]
    [InlineData("s", "is not a duration")]
    [InlineData("1.2.3s", "is not a duration")]
    [InlineData("Infinity", "must be zero or more")]
    [InlineData("NaN", "must be zero or more")]
    public void TryParse_refuses_what_is_not_a_duration_with_a_reason(string? text, string reason)
    {
        Assert.False(Durations.TryParse(text, out var value, out var error));
        Assert.Equal(TimeSpan.Zero, value);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Parse_throws_a_format_exception_carrying_the_reason()
    {
        var ex = Assert.Throws<FormatException>(() => Durations.Parse("10 minutes"));

        Assert.Contains("10 minutes", ex.Message);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(0.5, "500ms")]
    [InlineData(0.001, "1ms")]
    [InlineData(5, "5s")]
    [InlineData(1.5, "1.5s")]
    [InlineData(60, "1m")]
    [InlineData(90, "1m30s")]
    [InlineData(60.5, "1m0.5s")]
    [InlineData(3600, "1h")]
    [InlineData(5400, "1h30m")]
    [InlineData(7200, "2h")]
    [InlineData(3723, "1h2m3s")]
    [InlineData(90000, "25h")]
    public void Format_writes_the_shortest_form(double seconds, string expected)
    {
        Assert.Equal(expected, Durations.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData("500ms")]
    [InlineData("1m30s")]
    [InlineData("2h")]
    [InlineData("1h0m1s")]
    [InlineData("2.25s")]
    [InlineData("100000s")]
    public void Format_reads_back_as_the_same_duration(string text)
    {
        var value = Durations.Parse(text);

        Assert.Equal(value, Durations.Parse(Durations.Format(value)));
    }
}
