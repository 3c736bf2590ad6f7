// A TypeScript model: the expression API, checked as you type. `xorq` resolves to the
// running tool, so this file needs no node_modules.
import { model, _ } from "xorq";

export default model(
  { name: "top_customers", description: "The ten customers who spent the most.", tags: ["marts"] },
  ({ ref }) =>
    ref("orders_with_customers")
      .groupBy("customer_id", "name", "region")
      .agg({ orders: _.count(), revenue: _.amount.sum() })
      .orderBy("-revenue", "customer_id")
      .limit(10),
);
