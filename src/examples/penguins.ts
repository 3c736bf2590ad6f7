/**
 * The Palmer Penguins table (CC0; 344 penguins, `NA` for missing values), shipped inside
 * the package so examples run offline.
 */
import { exampleTable } from "./example-table.js";

export const penguins = exampleTable("penguins", "penguins.csv", { nullstr: "NA" });
