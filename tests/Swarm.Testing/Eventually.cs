namespace Swarm.Testing;

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails with the last observed state after the timeout.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0}s waiting for {what}; last seen: {Describe(last)}");
            }

            await Task.Delay(100);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.IEnumerable e and not string => string.Join(", ", e.Cast<object>()),
        _ => value?.ToString() ?? "null",
    };
}
