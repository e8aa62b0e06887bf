using OnnxTransfer.Extractor.Extraction;
using Xunit;

namespace OnnxTransfer.Extractor.Tests.Extraction;

public class TurnOrderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public async Task Turns_are_taken_in_order_whatever_order_the_workers_arrive_in(int seed)
    {
        const int turns = 200;
        var order = new TurnOrder();
        var taken = new List<long>();
        var rng = new Random(seed);
        var arrival = Enumerable.Range(0, turns).Select(t => (Turn: (long)t, Delay: rng.Next(0, 3))).OrderBy(_ => rng.Next()).ToList();
        var workers = arrival.Select(a => Task.Run(async () =>
        {
            if (a.Delay > 0) await Task.Delay(a.Delay);
            await order.WaitAsync(a.Turn, CancellationToken.None);
            lock (taken) taken.Add(a.Turn);
            order.Next();
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, turns).Select(t => (long)t), taken);
    }

    [Fact]
    public async Task A_waiter_for_a_later_turn_can_be_cancelled()
    {
        var order = new TurnOrder();
        using var cts = new CancellationTokenSource();
        var waiting = order.WaitAsync(3, cts.Token);
        Assert.False(waiting.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.True(order.WaitAsync(0, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void A_turn_already_taken_is_an_error()
    {
        var order = new TurnOrder();
        order.Next();
        // Thrown by the call itself, not by the task it would return.
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = order.WaitAsync(0, CancellationToken.None); });
    }
}
