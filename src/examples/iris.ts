/**
 * Fisher's iris table (public domain; 150 flowers, 50 of each species), as Xorq ships it
 * in its examples (`examples/data/iris.csv`), inside the package so examples run offline.
 */
import { exampleTable } from "./example-table.js";

export const iris = exampleTable("iris", "iris.csv");
