namespace Allocator.Service.Queue;

/// <summary>Who this replica is: its id names its consumer, reply channel and membership entry.</summary>
public sealed record ReplicaIdentity(string Id, string Version);
