namespace Allocator.Tests.Infrastructure;

/// <summary>Waiting on state another process or task writes, where no signal crosses over.</summary>
internal static class Until
{
    /// <summary>Polls <paramref name="condition"/> until true; fails after <paramref name="seconds"/> naming <paramref name="what"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, Func<string>? context = null, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {seconds} s" + (context is null ? "" : ":\n" + context()));
            await Task.Delay(20);
        }
    }
}
