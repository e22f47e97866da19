namespace Allocator.Tests.Infrastructure;

/// <summary>Waiting on state another process or task writes, where no signal crosses over.</summary>
internal static class Until
{
    /// <summary>
    /// Polls <paramref name="condition"/> until true; fails after <paramref name="seconds"/> naming
    /// <paramref name="what"/>. A poll that fails on Redis (a read timed out on a busy machine, a
    /// connection being re-made) counts as "not yet"; the last such failure is in the message.
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, Func<string>? context = null, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        Exception? failed = null;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                failed = e;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {seconds} s"
                + (failed is null ? "" : $" (last poll failed: {failed.Message})") + (context is null ? "" : ":\n" + context()));
            await Task.Delay(20);
        }
    }
}
