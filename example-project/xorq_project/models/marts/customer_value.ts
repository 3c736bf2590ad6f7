// Lifetime value per customer, ranked within the region. A TypeScript model: the
// expression API with types, a window function and a cache policy of its own.
import { model, _, desc, rank } from "xorq";

export default model(
  {
    name: "customer_value",
    description: "Orders, revenue and rank within the region per customer (returns left out).",
    tags: ["marts", "daily"],
    cache: { storage: "parquet", strategy: "snapshot", ttl: "1d" },
  },
  ({ ref }) =>
    ref("orders_enriched")
      .filter(_.is_return.not())
      .groupBy("customer_id", "customer_name", "region", "segment")
      .agg({
        orders: _.count(),
        revenue: _.revenue.sum(),
        first_order: _.order_date.min(),
        last_order: _.order_date.max(),
      })
      .mutate({ region_rank: rank().over({ partitionBy: "region", orderBy: desc("revenue") }) })
      .orderBy("region", "region_rank", "customer_id"),
);
