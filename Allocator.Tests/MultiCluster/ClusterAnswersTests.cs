using Allocator.Service.MultiCluster;
using Grpc.Core;

namespace Allocator.Tests.MultiCluster;

/// <summary>The final error of a multi-cluster allocation no cluster made: every answer named, and a code the caller can act on.</summary>
public class ClusterAnswersTests
{
    private static ClusterAnswer Answer(string cluster, StatusCode code) =>
        new(ClusterOrderTests.Policy(cluster + "-policy", 1, 1, cluster), cluster == "home" ? "local" : "far.example:443", code, code + " detail");

    [Theory]
    [InlineData(new[] { StatusCode.ResourceExhausted, StatusCode.ResourceExhausted }, StatusCode.ResourceExhausted)]
    [InlineData(new[] { StatusCode.ResourceExhausted, StatusCode.Unavailable }, StatusCode.Unavailable)]
    [InlineData(new[] { StatusCode.ResourceExhausted, StatusCode.DeadlineExceeded }, StatusCode.Unavailable)]
    [InlineData(new[] { StatusCode.FailedPrecondition, StatusCode.ResourceExhausted }, StatusCode.ResourceExhausted)]
    [InlineData(new[] { StatusCode.FailedPrecondition, StatusCode.PermissionDenied }, StatusCode.FailedPrecondition)]
    public void The_code_is_the_most_actionable_of_the_answers(StatusCode[] codes, StatusCode expected)
    {
        var answers = new ClusterAnswers("default");
        for (var i = 0; i < codes.Length; i++) answers.Add(Answer(i == 0 ? "home" : $"c{i}", codes[i]));
        Assert.Equal(expected, answers.ToException().StatusCode);
    }

    [Fact]
    public void The_message_names_each_cluster_in_order_and_those_the_deadline_left_untried()
    {
        var answers = new ClusterAnswers("games");
        answers.Add(Answer("home", StatusCode.ResourceExhausted));
        answers.Add(Answer("far", StatusCode.Unavailable));
        answers.NotTried(ClusterOrderTests.Policy("late-policy", 3, 1, "late"));
        var e = answers.ToException();
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Equal("multi-cluster allocation in namespace games: no cluster allocated; "
            + "cluster home (local, policy home-policy): ResourceExhausted: ResourceExhausted detail; "
            + "cluster far (far.example:443, policy far-policy): Unavailable: Unavailable detail; "
            + "not tried before the deadline: cluster late (policy late-policy)", e.Status.Detail);
    }
}
