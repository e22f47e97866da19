using Allocator.Inventory.V1;
using Allocator.Queue.V1;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Google.Protobuf;
using Fleet = Allocator.Service.Allocation.Fleet;
using GameServer = Allocator.Service.Allocation.GameServer;

namespace Allocator.Service.Inventory;

/// <summary>A stand-alone term: inventory changes come as requests; nothing is observed, nothing held.</summary>
internal sealed class StandaloneTerm : IInventoryTerm
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public Task ReadyAsync(CancellationToken stopping) => Task.CompletedTask;

    public bool BeginBatch(Fleet fleet) => false;

    public Outcome ApplyRequest(Fleet fleet, QueuedRequest request) => InventoryApplier.Apply(fleet, Parser.Parse<InventoryChange>(request.Payload));

    public bool RecordsAllocations => false;

    public bool IsHeld(string requestId) => false;

    public bool Record(QueuedRequest request, Allocation.AllocationSpec spec, GameServer before, GameServer after, Outcome outcome) => false;

    public CommitWrite Committing(CommitWrite write, DateTimeOffset now) => write;

    public void NotCommitted()
    {
    }

    public void Committed()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
