namespace Herald.Server.Tests.Fixtures;

/// <summary>Bounded polling: read something the server updates on its own time until it is as expected.</summary>
public static class Poll
{
    /// <summary>
    /// Reads until <paramref name="done"/> holds and returns that reading; fails after
    /// <paramref name="bound"/> (default <see cref="Wait.Bound"/>) with the last one.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? Wait.Bound);
        while (true)
        {
            var value = await read();
            if (done(value))
                return value;
            Assert.True(DateTime.UtcNow < deadline, $"{what}: still {value}");
            await Task.Delay(50);
        }
    }
}
