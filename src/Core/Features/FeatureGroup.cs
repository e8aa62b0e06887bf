namespace OnnxTransfer.Features;

/// <summary>
/// One Parquet row group of a feature set: rows [FirstRow, FirstRow + Rows) of the set, in row group
/// <see cref="Group"/> of <see cref="Shard"/>. The shard's size and modification time when the set was opened
/// let a streaming reader notice a shard replaced or deleted under it.
/// </summary>
internal sealed record FeatureGroup(string Shard, int Group, int FirstRow, int Rows, long ShardBytes, DateTime ShardModified);
