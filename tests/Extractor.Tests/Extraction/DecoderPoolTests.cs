using OnnxTransfer.Extractor.Extraction;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class DecoderPoolTests
{
    [Theory]
    [InlineData(0, 7)]  // no pool threads: the waiting thread does everything
    [InlineData(1, 1)]
    [InlineData(3, 50)]
    [InlineData(8, 5)]  // more threads than work
    public void Every_index_runs_exactly_once(int threads, int count)
    {
        using var pool = new DecoderPool(threads, idlePriority: false);
        var runs = new int[count];
        var jobs = Enumerable.Range(0, 4).Select(_ => pool.Start(count, j => Interlocked.Increment(ref runs[j]))).ToList();
        foreach (var job in jobs) job.Finish(CancellationToken.None);
        Assert.All(runs, r => Assert.Equal(4, r));
        Assert.All(jobs, j => Assert.True(j.IsDone));
    }

    [Fact]
    public void The_waiting_thread_helps_so_a_starved_pool_cannot_stall_the_batch()
    {
        using var pool = new DecoderPool(1, idlePriority: false);
        using var blockPool = new ManualResetEventSlim();
        // The pool's only thread is stuck on the first job; the second is finished by the caller alone.
        var stuck = pool.Start(1, _ => blockPool.Wait());
        var callerThreads = new HashSet<int>();
        var job = pool.Start(6, _ => { lock (callerThreads) callerThreads.Add(Environment.CurrentManagedThreadId); });
        job.Finish(CancellationToken.None);
        Assert.Equal([Environment.CurrentManagedThreadId], callerThreads);
        blockPool.Set();
        stuck.Finish(CancellationToken.None);
    }

    [Fact]
    public void A_failure_in_one_item_is_rethrown_to_the_waiter_and_skips_the_rest()
    {
        using var pool = new DecoderPool(2, idlePriority: false);
        int ran = 0;
        var job = pool.Start(1000, j =>
        {
            Interlocked.Increment(ref ran);
            if (j == 3) throw new InvalidOperationException("boom at 3");
            Thread.Sleep(1);
        });
        var e = Assert.Throws<InvalidOperationException>(() => job.Finish(CancellationToken.None));
        Assert.Equal("boom at 3", e.Message);
        Assert.InRange(ran, 4, 999);
    }

    [Fact]
    public async Task Disposing_skips_started_jobs_items_nobody_has_begun()
    {
        int ran = 0;
        using var gate = new ManualResetEventSlim();
        DecodeJob job;
        var pool = new DecoderPool(1, idlePriority: false);
        job = pool.Start(100, _ => { Interlocked.Increment(ref ran); gate.Wait(); });
        while (Volatile.Read(ref ran) == 0) Thread.Yield();
        var dispose = Task.Run(pool.Dispose);
        await Task.Delay(50);
        gate.Set();
        await dispose;
        Assert.True(job.IsDone);
        Assert.InRange(ran, 1, 2);
    }

    [Fact]
    public void Pool_threads_run_at_idle_priority_on_linux()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.Equal("idle (SCHED_IDLE)", IdlePriority.Description);
        using var pool = new DecoderPool(2, idlePriority: true);
        var policies = new int[8];
        // An idle-priority thread runs only when a core is free, which on a loaded machine can take a while, and the
        // caller works too: an item the caller takes waits (30 s at most) until a pool thread has run one, so the
        // caller cannot take them all first.
        int caller = Environment.CurrentManagedThreadId;
        using var poolRan = new ManualResetEventSlim();
        pool.Start(8, j =>
        {
            policies[j] = SchedulingPolicyOfThisThread();
            if (Environment.CurrentManagedThreadId == caller) poolRan.Wait(TimeSpan.FromSeconds(30));
            else poolRan.Set();
        }).Finish(CancellationToken.None);
        // The caller (normal priority, policy 0) may have taken some; the pool's threads report SCHED_IDLE (5).
        Assert.Contains(5, policies);
        Assert.All(policies, p => Assert.True(p is 0 or 5, $"policy {p}"));
        Assert.Equal(0, SchedulingPolicyOfThisThread()); // the test thread was not lowered
    }

    /// <summary>Field 41 of /proc/thread-self/stat (man 5 proc), read after the parenthesised command name.</summary>
    private static int SchedulingPolicyOfThisThread()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
