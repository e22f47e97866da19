using RedLockNet;

namespace Allocator.Service.Leadership;

/// <summary>
/// A held leader lease. The fencing token is the pair (lock id, term epoch): RedLock.net's
/// extension re-creates a deleted lease key with the same lock id, so a leader that was
/// paused past its TTL could find "its" key again after another leader's term; the epoch,
/// bumped by every new term, tells the two apart. Every fenced script checks both.
/// </summary>
public sealed class Lease : IAsyncDisposable
{
    private readonly IRedLock? _redLock;
    private bool _lost;

    public Lease(IRedLock redLock)
    {
        _redLock = redLock;
        LockId = redLock.LockId;
    }

    private Lease(string lockId)
    {
        LockId = lockId;
        _lost = true;
    }

    /// <summary>A lease that was never held: every fenced script refuses it (for rehearsals).</summary>
    public static Lease NotHeld(string lockId) => new(lockId) { Epoch = -1 };

    public string LockId { get; }

    /// <summary>The term this lease started (0 until <c>begin_term.lua</c> ran).</summary>
    public long Epoch { get; set; }

    /// <summary>
    /// False once an extension has failed, and from then on: RedLock.net may later report the
    /// lock acquired again (it re-creates the key), but a term that lapsed never resumes.
    /// </summary>
    public bool StillHeld
    {
        get
        {
            if (!_lost && _redLock is { IsAcquired: false }) _lost = true;
            return !_lost;
        }
    }

    /// <summary>Releases the lease if it is still ours (compare-and-delete).</summary>
    public ValueTask DisposeAsync() => _redLock?.DisposeAsync() ?? ValueTask.CompletedTask;
}
