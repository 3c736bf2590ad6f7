// A TypeScript model: the expression API, checked as you type. `xorq` resolves to the
// running tool, so this file needs no node_modules.
import { model, _ } from "xorq";

export default model(
  {
    name: "top_customers",
    description: "The ten customers who spent the most.",
    tags: ["marts"],
    cache: { strategy: "snapshot" },
  },
  ({ ref, source }) =>
    ref("clean_orders")
      .join(source("customers").select("customer_id", "name", "region"), "customer_id")
      .groupBy("customer_id", "name", "region")
      .agg({ orders: _.count(), revenue: _.amount.sum() })
      .orderBy("-revenue", "customer_id")
      .limit(10),
);
