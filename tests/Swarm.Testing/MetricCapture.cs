using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Swarm.Testing;

/// <summary>One measurement an instrument reported, with its tags.</summary>
public sealed record CapturedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string name) => Tags.GetValueOrDefault(name)?.ToString();
}

/// <summary>
/// Listens to the named instruments of the given meters (by meter name; optionally only one meter
/// instance, so parallel tests with hosts of their own do not see each other) and keeps every
/// measurement. Observable instruments report when <see cref="Collect"/> is called.
/// </summary>
public sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<CapturedMeasurement> _measurements = new();

    public MetricCapture(string meterName, params string[] instruments)
        : this(i => i.Meter.Name == meterName && instruments.Contains(i.Name))
    {
    }

    public MetricCapture(Meter meter, params string[] instruments)
        : this(i => ReferenceEquals(i.Meter, meter) && instruments.Contains(i.Name))
    {
    }

    private MetricCapture(Func<Instrument, bool> wanted)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (wanted(instrument))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    public IReadOnlyList<CapturedMeasurement> Measurements => [.. _measurements];

    /// <summary>The measurements of one instrument.</summary>
    public IReadOnlyList<CapturedMeasurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    /// <summary>Forgets what was captured so far.</summary>
    public void Clear() => _measurements.Clear();

    /// <summary>Asks every observable instrument listened to for its current values.</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        _measurements.Enqueue(new CapturedMeasurement(instrument.Name, value, copy));
    }

    public void Dispose() => _listener.Dispose();
}
