namespace Allocator.Service.Processing;

/// <summary>The leader's batches and the standbys' warm copy (section <c>Allocator</c>).</summary>
public sealed class ProcessingOptions
{
    /// <summary>Most entries the leader reads per stream per batch.</summary>
    public int BatchSize { get; set; } = 256;
    /// <summary>Safety poll when no wake-up arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Commits kept in {alloc}:changes for followers to replay (approximate).</summary>
    public int ChangeLogLength { get; set; } = 10_000;
    /// <summary>How often a standby replica replays the change log into its warm copy.</summary>
    public TimeSpan FollowInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long acknowledged entries stay in the streams for inspection.</summary>
    public TimeSpan RequestHistory { get; set; } = TimeSpan.FromSeconds(60);
}

public sealed class ProcessingOptionsValidator : SettingsValidator<ProcessingOptions>
{
    public override IEnumerable<string> Problems(ProcessingOptions o)
    {
        // The commit script unpacks a batch's ids into one command: Lua allows about 8,000.
        if (o.BatchSize is < 1 or > 4096) yield return "Allocator:BatchSize must be between 1 and 4096.";
        if (o.PollInterval <= TimeSpan.Zero) yield return "Allocator:PollInterval must be positive.";
        if (o.ChangeLogLength < 100) yield return "Allocator:ChangeLogLength must be at least 100.";
        if (o.FollowInterval <= TimeSpan.Zero) yield return "Allocator:FollowInterval must be positive.";
        if (o.RequestHistory < TimeSpan.Zero || o.RequestHistory > TimeSpan.FromDays(1)) yield return "Allocator:RequestHistory must be between 0 and 1 day.";
    }
}
