using OnnxTransfer.Extractor.Extraction;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

/// <summary>Which shard a process is: from K/N, or from a batch engine's environment variables.</summary>
public class ExtractionShardTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/4", 2, 4)]
    [InlineData("999/1000", 999, 1000)]
    public void K_over_n_parses(string text, int index, int count) => Assert.Equal(new ExtractionShard(index, count), ExtractionShard.Parse(text));

    [Theory]
    [InlineData("4/4", "outside 0..3")]
    [InlineData("1/0", "count 0 must be at least 1")]
    [InlineData("-1/4", "is not K/N")]
    [InlineData("2", "is not K/N")]
    [InlineData("2/4/8", "is not K/N")]
    [InlineData(" 2/4", "is not K/N")]
    public void Anything_else_is_refused_in_one_line_naming_the_text(string text, string reason)
    {
        var e = Assert.Throws<OnnxTransferException>(() => ExtractionShard.Parse(text));
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void No_engine_variable_means_no_shard_from_the_environment() => Assert.Null(ExtractionShard.FromEnvironment(Env()));

    [Fact]
    public void A_slurm_array_task_is_its_task_id_of_the_array_count()
    {
        var (shard, source) = ExtractionShard.FromEnvironment(Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")))!.Value;
        Assert.Equal(new ExtractionShard(2, 4), shard);
        Assert.Equal("SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4", source);
    }

    [Fact]
    public void A_slurm_task_resubmitted_alone_is_refused_unless_given_the_original_count()
    {
        // sbatch --array=2 sets SLURM_ARRAY_TASK_COUNT=1 (checked on Slurm 22.05).
        var alone = Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "1"));
        var e = Assert.Throws<OnnxTransferException>(() => ExtractionShard.FromEnvironment(alone));
        Assert.Contains("SLURM_ARRAY_TASK_ID=2 is not below the shard count 1 (SLURM_ARRAY_TASK_COUNT): a task resubmitted alone", e.Message);
        Assert.Equal((new ExtractionShard(2, 4), "SLURM_ARRAY_TASK_ID=2, `ShardCount` 4"), ExtractionShard.FromEnvironment(alone, count: 4));
        var withVariable = Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "1"), (ExtractionShard.CountVariable, "4"));
        Assert.Equal((new ExtractionShard(2, 4), "SLURM_ARRAY_TASK_ID=2, ONNX_TRANSFER_SHARD_COUNT=4"), ExtractionShard.FromEnvironment(withVariable));
    }

    [Fact]
    public void A_kubernetes_indexed_job_pod_needs_the_count_given()
    {
        var pod = Env(("JOB_COMPLETION_INDEX", "3"));
        var e = Assert.Throws<OnnxTransferException>(() => ExtractionShard.FromEnvironment(pod));
        Assert.Contains("JOB_COMPLETION_INDEX=3 makes this task shard 3 of a count nobody gave", e.Message);
        Assert.Equal((new ExtractionShard(3, 8), "JOB_COMPLETION_INDEX=3, `ShardCount` 8"), ExtractionShard.FromEnvironment(pod, count: 8));
        Assert.Equal(new ExtractionShard(3, 5), ExtractionShard.FromEnvironment(Env(("JOB_COMPLETION_INDEX", "3"), (ExtractionShard.CountVariable, "5")))!.Value.Shard);
        Assert.Contains("not below the shard count 3", Assert.Throws<OnnxTransferException>(() => ExtractionShard.FromEnvironment(pod, count: 3)).Message);
    }

    [Theory]
    [InlineData("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_ID='x' is not a whole number")]
    [InlineData("SLURM_ARRAY_TASK_ID", "-1", "SLURM_ARRAY_TASK_ID='-1' is not a whole number")]
    [InlineData("SLURM_ARRAY_TASK_COUNT", "four", "SLURM_ARRAY_TASK_COUNT='four' is not a whole number")]
    [InlineData("JOB_COMPLETION_INDEX", "1", "Both SLURM_ARRAY_TASK_ID (1) and JOB_COMPLETION_INDEX (1) are set")]
    public void A_malformed_or_ambiguous_environment_is_refused_naming_the_variable(string name, string value, string message)
    {
        var vars = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "4", [name] = value };
        var e = Assert.Throws<OnnxTransferException>(() => ExtractionShard.FromEnvironment(n => vars.GetValueOrDefault(n)));
        Assert.Contains(message, e.Message);
    }
}
