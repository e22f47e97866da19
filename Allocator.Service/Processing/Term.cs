using System.Diagnostics;
using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>What one leadership term holds: its lease and epoch, the fleet it edits, the inventory source's side, and where its commits are.</summary>
public sealed class Term(IDatabase db, Lease lease, Fleet fleet, IInventoryTerm source, Stopwatch started, long commit)
{
    public IDatabase Db { get; } = db;
    public Lease Lease { get; } = lease;
    public long Epoch => Lease.Epoch;
    public Fleet Fleet { get; } = fleet;
    public IInventoryTerm Source { get; } = source;
    /// <summary>The commit counter as this term left it (its next commit is one more).</summary>
    public long Commit { get; set; } = commit;
    /// <summary>Since the lease was taken.</summary>
    public Stopwatch Started { get; } = started;
}
