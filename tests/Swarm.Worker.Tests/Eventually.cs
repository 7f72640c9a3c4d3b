namespace Swarm.Worker.Tests;

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within {seconds} s");
            await Task.Delay(10);
        }
    }
}
