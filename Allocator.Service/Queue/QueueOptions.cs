namespace Allocator.Service.Queue;

/// <summary>How long a call waits, how it is settled at its deadline, and how long answers stay (section <c>Allocator</c>).</summary>
public sealed class QueueOptions
{
    /// <summary>Deadline of a call that sets none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Longest a call may wait, whatever its own deadline (Agones' API window).</summary>
    public TimeSpan MaxDeadline { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Calls waiting on this replica beyond which new ones are refused (UNAVAILABLE).</summary>
    public int MaxInFlight { get; set; } = 10_000;
    /// <summary>How long before the caller's deadline the front stops waiting and settles the call.</summary>
    public TimeSpan AnswerMargin { get; set; } = TimeSpan.FromMilliseconds(50);
    /// <summary>
    /// Longest the front waits on Redis when settling a call at its deadline; the front stops
    /// waiting for the leader this long (plus AnswerMargin) before the caller's deadline.
    /// </summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How long an answer stays retrievable by request id (idempotent retries).</summary>
    public TimeSpan ResultTtl { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// How long an error answer (no effect) stays: it fences a leader's late commit of a request
    /// its front gave up on, and re-answers lost replies; a retry after it is decided afresh.
    /// </summary>
    public TimeSpan ErrorResultTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long before its deadline a call is settled by its front: a leader does not decide it after that.</summary>
    public TimeSpan SettleLead => AnswerMargin + SettleTimeout;
}

public sealed class QueueOptionsValidator : SettingsValidator<QueueOptions>
{
    public override IEnumerable<string> Problems(QueueOptions o)
    {
        if (o.DefaultDeadline <= TimeSpan.Zero || o.DefaultDeadline > o.MaxDeadline) yield return "Allocator:DefaultDeadline must be positive and at most Allocator:MaxDeadline.";
        if (o.SettleTimeout <= TimeSpan.Zero) yield return "Allocator:SettleTimeout must be positive.";
        if (o.AnswerMargin + o.SettleTimeout >= o.DefaultDeadline) yield return "Allocator:AnswerMargin + Allocator:SettleTimeout must be below Allocator:DefaultDeadline.";
        if (o.AnswerMargin < TimeSpan.Zero || o.AnswerMargin >= o.DefaultDeadline) yield return "Allocator:AnswerMargin must be between 0 and Allocator:DefaultDeadline.";
        if (o.MaxInFlight < 1) yield return "Allocator:MaxInFlight must be at least 1.";
        if (o.ResultTtl < o.MaxDeadline) yield return "Allocator:ResultTtl must be at least Allocator:MaxDeadline, so a late reply can still be looked up.";
        if (o.ErrorResultTtl < TimeSpan.FromSeconds(1) || o.ErrorResultTtl > o.ResultTtl) yield return "Allocator:ErrorResultTtl must be between 1s and Allocator:ResultTtl.";
    }
}
