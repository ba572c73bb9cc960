// plotly.js for the apps' charts (eyanalysis.apps.figures): the core (scatter) and the
// trace types the package draws. eyanalysis.apps.figures.chart_of refuses a figure with
// any other trace type (the tests draw every chart of the apps); to draw one, import it
// here and run `npm run build`.
import Plotly from "plotly.js/lib/core";
import bar from "plotly.js/lib/bar";
import box from "plotly.js/lib/box";
import funnel from "plotly.js/lib/funnel";
import heatmap from "plotly.js/lib/heatmap";
import sankey from "plotly.js/lib/sankey";
import waterfall from "plotly.js/lib/waterfall";

Plotly.register([bar, box, funnel, heatmap, sankey, waterfall]);
export default Plotly;
