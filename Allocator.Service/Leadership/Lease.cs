using RedLockNet;

namespace Allocator.Service.Leadership;

/// <summary>
/// A held leader lease. RedLock.net keeps extending it in the background but tells nobody when
/// that fails, so holders check <see cref="StillHeld"/> before each batch and every commit
/// script compares the lease key with <see cref="LockId"/> (the fencing token).
/// </summary>
public sealed class Lease(IRedLock redLock) : IAsyncDisposable
{
    public string LockId => redLock.LockId;

    /// <summary>False once an extension failed (RedLock.net's own view; the scripts are the authority).</summary>
    public bool StillHeld => redLock.IsAcquired;

    /// <summary>Releases the lease if it is still ours (compare-and-delete).</summary>
    public ValueTask DisposeAsync() => redLock.DisposeAsync();
}
