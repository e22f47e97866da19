using System.Diagnostics;
using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>What one leadership term holds: its lease and epoch, the fleet it edits, and the inventory source's side.</summary>
public sealed class Term(IDatabase db, Lease lease, Fleet fleet, IInventoryTerm source, Stopwatch started)
{
    public IDatabase Db { get; } = db;
    public Lease Lease { get; } = lease;
    public long Epoch => Lease.Epoch;
    public Fleet Fleet { get; } = fleet;
    public IInventoryTerm Source { get; } = source;
    /// <summary>Since the lease was taken.</summary>
    public Stopwatch Started { get; } = started;
}
